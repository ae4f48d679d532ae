"""Orbax checkpoints of the train state plus JSON metadata (step, config, tokenizer).

Layout: `<workdir>/checkpoints/<step>/{state,meta,input}`: `input` holds each process's position in
its training batches (Grain's checkpoint handler, one JSON file per process), so that a resumed
run reads on from there. Saving is atomic (orbax writes to a temporary directory and renames it)
and asynchronous; keep-N deletes the oldest. Once a save is whole, `checksums.json` records the
SHA-256 of its files (`vidgan_jax/checksums.py`), checked before every read.
"""

import contextlib
import errno
import logging
from collections.abc import Callable
from typing import TypeVar

import grain
import jax
import orbax.checkpoint as ocp
from etils import epath
from jax.experimental import multihost_utils

from vidgan_jax import checksums, paths

STATE, META, INPUT = "state", "meta", "input"
logger = logging.getLogger(__name__)
T = TypeVar("T")
CHECKPOINT_DIR = "checkpoints"


def checkpoint_dir(workdir: str) -> epath.Path:
  return paths.resolve(workdir) / CHECKPOINT_DIR


def make_manager(workdir: str, max_to_keep: int, create: bool = True) -> ocp.CheckpointManager:
  return ocp.CheckpointManager(
    checkpoint_dir(workdir),
    # A save that a kill interrupted leaves a temporary directory; the next run removes it.
    options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=create, cleanup_tmp_directories=True),
    item_handlers={
      STATE: ocp.StandardCheckpointHandler(),
      META: ocp.JsonCheckpointHandler(),
      INPUT: grain.checkpoint.CheckpointHandler(),
    },
  )


class InputPosition:
  """A training iterator's state (JSON bytes) as taken at a step, for `grain.checkpoint` to write
  after the loop has moved on (saves are asynchronous)."""

  def __init__(self, state: bytes):
    self._state = state

  def get_state(self) -> bytes:
    return self._state


class CheckpointWriteError(OSError):
  """A checkpoint that could not be written (a full disk, a lost mount); the ones before it are intact."""


def _write_error(manager: ocp.CheckpointManager, error: OSError) -> CheckpointWriteError:
  """`error` (raised by orbax for a failed save) as a CheckpointWriteError that says what is left."""
  manager.reload()  # The steps on disk: a save that failed left only its temporary directory.
  steps = manager.all_steps()
  kept = (
    f"the newest complete checkpoint, step {max(steps)}, is intact" if steps else "no complete checkpoint exists yet"
  )
  remedy = "free some space" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "fix the cause"
  named = CheckpointWriteError(
    f"writing a checkpoint in {manager.directory} failed: {error}. Nothing was lost "
    f"before it: {kept}; {remedy}, then run the same command to resume"
  )
  named.errno = error.errno
  return named


def save(manager: ocp.CheckpointManager, step: int, state, meta: dict, input_state: bytes) -> None:
  """Starts an asynchronous save of `state` (a pytree of arrays), `meta` (JSON) and this process's
  `input_state` (its training iterator's `get_state()`) at `step`.

  Raises CheckpointWriteError when this save, or the previous one still in flight, fails to write.
  """
  items = {
    STATE: ocp.args.StandardSave(state),
    META: ocp.args.JsonSave(meta),
    INPUT: grain.checkpoint.CheckpointSave(InputPosition(input_state)),
  }
  try:
    manager.save(step, args=ocp.args.Composite(**items), force=True)
  except OSError as e:
    raise _write_error(manager, e) from e


def record_checksums(manager: ocp.CheckpointManager, steps: list[int]) -> list[int]:
  """Records the checksums of the saves of `steps` once none is in flight (process 0 writes them;
  a step keep-N already removed is skipped); returns the steps not yet recorded."""
  if manager.is_saving_in_progress():
    return steps
  if jax.process_index() == 0:
    for step in steps:
      step_dir = epath.Path(manager.directory) / str(step)
      if step_dir.exists():
        checksums.record(step_dir)
  return []


def finish(manager: ocp.CheckpointManager, unrecorded: list[int]) -> None:
  """Waits for the saves in flight, records the checksums of the `unrecorded` steps and closes
  `manager`; CheckpointWriteError if a save failed."""
  try:
    manager.wait_until_finished()
    record_checksums(manager, unrecorded)
    manager.close()  # It too may raise: it waits for the checkpoint metadata's own writes.
  except OSError as e:
    with contextlib.suppress(OSError):  # Closing re-raises the same failed save.
      manager.close()
    raise _write_error(manager, e) from e


def restore(manager: ocp.CheckpointManager, step: int, target):
  """Restores (state shaped like `target`, meta) from `step`."""
  restored = manager.restore(
    step, args=ocp.args.Composite(**{STATE: ocp.args.StandardRestore(target), META: ocp.args.JsonRestore()})
  )
  return restored[STATE], restored[META]


def restore_input_position(manager: ocp.CheckpointManager, step: int, iterator) -> bool:
  """Sets `iterator` (with get_state/set_state) to where it was at `step`; False if the checkpoint
  holds no input position (one written before positions were saved)."""
  if not (epath.Path(manager.directory) / str(step) / INPUT).exists():
    return False
  manager.restore(step, args=ocp.args.Composite(**{INPUT: grain.checkpoint.CheckpointRestore(iterator)}))
  return True


class IncompatibleCheckpoint(ValueError):
  """A readable checkpoint whose arrays do not fit the model of the current config."""


# The train state's parameter trees (the rest is optimiser state and counters).
PARAMETER_TREES = ("g_params", "d_params", "ema_params")


def tree_differences(saved, target, prefix: str = "") -> list[str]:
  """A line for each leaf of `target` that `saved` lacks or holds with another shape or dtype, and
  for each leaf of `saved` that `target` lacks (leaves of either tree: anything with .shape and
  .dtype), named `prefix` + its key path."""
  saved_leaves = {jax.tree_util.keystr(p): leaf for p, leaf in jax.tree_util.tree_leaves_with_path(saved)}
  target_paths = {jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_leaves_with_path(target)}
  problems = []
  for path, leaf in jax.tree_util.tree_leaves_with_path(target):
    name = prefix + jax.tree_util.keystr(path)
    got = saved_leaves.get(jax.tree_util.keystr(path))
    if got is None:
      problems.append(f"{name}: not saved")
    elif tuple(got.shape) != tuple(leaf.shape) or got.dtype != leaf.dtype:
      problems.append(f"{name}: saved {tuple(got.shape)} {got.dtype}, model {tuple(leaf.shape)} {leaf.dtype}")
  problems += [f"{prefix}{path}: saved, not in the model" for path in saved_leaves if path not in target_paths]
  return problems


def check_compatible(step_dir: str | epath.Path, target) -> None:
  """Raises IncompatibleCheckpoint naming every parameter whose saved shape or dtype differs."""
  saved = read_state_metadata(step_dir)
  problems = [
    line for tree in PARAMETER_TREES for line in tree_differences(saved[tree], getattr(target, tree), prefix=tree)
  ]
  if problems:
    raise IncompatibleCheckpoint(
      f"checkpoint {step_dir} does not fit this config's model "
      f"({len(problems)} arrays differ; the first ones):\n  " + "\n  ".join(problems[:12])
    )


def restore_newest_good(manager: ocp.CheckpointManager, target):
  """The newest checkpoint that restores, skipping broken ones with an error message; None if none.

  An unreadable checkpoint (cut files, missing directories, files that differ from their recorded
  checksums) is renamed `broken_step_<N>` (kept for a post-mortem, out of the way of new saves) and
  the one before it is tried; one that reads but does not fit the model is an
  IncompatibleCheckpoint error, not a fallback.
  """
  state = None
  for step in sorted(manager.all_steps(), reverse=True):
    step_dir = epath.Path(manager.directory) / str(step)
    try:
      _log_verified(step_dir, checksums.verify(step_dir))
      check_compatible(step_dir, target)
      state, _ = restore(manager, step, target)
      break
    except IncompatibleCheckpoint:
      raise
    except Exception as e:  # noqa: BLE001  (orbax/tensorstore raise many types for damaged files)
      _set_aside(step_dir, e)
      if jax.process_count() > 1:  # Nobody reads on before the broken step is out of the way.
        multihost_utils.sync_global_devices(f"set aside broken checkpoint {step}")
  manager.reload()
  return state


def _log_verified(step_dir: epath.Path, files: int) -> None:
  if files:
    logger.info("checkpoint %s: its %d files match their checksums", step_dir, files)
  else:
    logger.warning("checkpoint %s has no checksums recorded (stopped before they were written): not verified", step_dir)


def _set_aside(step_dir: epath.Path, error: Exception) -> None:
  """Names an unreadable checkpoint in one line and renames it broken_step_<N> (process 0)."""
  aside = step_dir.parent / f"broken_step_{step_dir.name}"
  detail = str(error).splitlines()[0] if str(error) else ""
  logger.error("checkpoint %s is unreadable (%s: %s); moved it to %s", step_dir, type(error).__name__, detail, aside)
  if jax.process_index() == 0:
    step_dir.rename(aside)


def resolve_step_dir(path: str) -> epath.Path:
  """A checkpoint step directory from a workdir, its checkpoints/ dir, or a step dir itself."""
  path = paths.resolve(path)
  if (path / STATE).is_dir():
    return path
  root = path if path.name == CHECKPOINT_DIR else checkpoint_dir(path)
  steps = sorted(int(d.name) for d in root.iterdir() if d.name.isdigit()) if root.is_dir() else []
  if not steps:
    raise FileNotFoundError(f"no checkpoint found at {str(path)!r} (looked for {root}/<step>/{STATE})")
  return root / str(steps[-1])


def read_newest(
  path: str, read: Callable[[epath.Path], T], attempts: int = 5, verify: bool = True
) -> tuple[epath.Path, T]:
  """(step dir, read(step dir)) of the newest checkpoint under `path` (see `resolve_step_dir`).

  Step directories appear whole (orbax renames a finished one into place), but a run that is
  saving also deletes its oldest: a checkpoint chosen as the newest can be removed while it is
  read (file by file, so it may still exist, half gone, when the read fails), if the run saves
  `keep_checkpoints` more meanwhile. A failed read is retried on the then-newest only when newer
  checkpoints have appeared since; a failure on the newest itself, or on a step directory named
  by the caller, is raised. With `verify`, a checkpoint whose files differ from their checksums is
  set aside (`broken_step_<N>`) and the one before it read; checksums.DamagedCheckpoint when none
  is left or the caller named that step directory.
  """
  while verify:
    step_dir = resolve_step_dir(path)
    try:
      _log_verified(step_dir, checksums.verify(step_dir))
      break
    except checksums.DamagedCheckpoint as e:
      if paths.resolve(path) == step_dir:
        raise
      if resolve_step_dir(path) != step_dir:  # Superseded and being removed by its run, not damaged.
        continue
      _set_aside(step_dir, e)
      try:
        resolve_step_dir(path)
      except FileNotFoundError:
        raise checksums.DamagedCheckpoint(f"{e}; no other checkpoint is left under {path}") from None
  for _ in range(attempts - 1):
    step_dir = resolve_step_dir(path)
    try:
      return step_dir, read(step_dir)
    except Exception:  # A half-removed checkpoint fails in whichever reader meets the gap first.
      if paths.resolve(path) == step_dir or resolve_step_dir(path) == step_dir:
        raise
      logger.info("checkpoint %s was superseded while it was read (its run is saving); reading the newest", step_dir)
  step_dir = resolve_step_dir(path)
  return step_dir, read(step_dir)


def read_meta(step_dir: str | epath.Path) -> dict:
  """The JSON metadata of a checkpoint step directory, read without touching the arrays."""
  return ocp.JsonCheckpointHandler().restore(epath.Path(step_dir) / META)


def read_state_metadata(step_dir: str | epath.Path):
  """Nested dict of array metadata (shape, dtype) of the saved state, without loading arrays."""
  metadata = ocp.StandardCheckpointer().metadata(epath.Path(step_dir) / STATE).item_metadata
  return metadata.tree if hasattr(metadata, "tree") else metadata


def restore_ema_params(step_dir: str | epath.Path, abstract_params):
  """Restores only the state's EMA generator parameters (orbax partial restore: the optimiser
  states and the discriminator are not read), shaped like `abstract_params`, on one device."""
  one_device = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])
  target = {
    "ema_params": jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=one_device), abstract_params)
  }
  args = ocp.args.PyTreeRestore(
    item=target, restore_args=ocp.checkpoint_utils.construct_restore_args(target), partial_restore=True
  )
  return ocp.PyTreeCheckpointer().restore(epath.Path(step_dir) / STATE, args=args)["ema_params"]
