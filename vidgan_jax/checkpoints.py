"""Orbax checkpoints of the train state plus JSON metadata (step, config, tokenizer).

Layout: `<workdir>/checkpoints/<step>/{state,meta}`. Saving is atomic (orbax writes to a temporary
directory and renames it) and asynchronous; keep-N deletes the oldest.
"""

import json
import os

import jax
import orbax.checkpoint as ocp
from etils import epath

STATE, META = "state", "meta"
CHECKPOINT_DIR = "checkpoints"


def checkpoint_dir(workdir: str) -> str:
  return os.path.join(os.path.abspath(workdir), CHECKPOINT_DIR)


def make_manager(workdir: str, max_to_keep: int, create: bool = True) -> ocp.CheckpointManager:
  return ocp.CheckpointManager(
      checkpoint_dir(workdir),
      options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=create),
      item_handlers={STATE: ocp.StandardCheckpointHandler(), META: ocp.JsonCheckpointHandler()})


def save(manager: ocp.CheckpointManager, step: int, state, meta: dict) -> None:
  """Starts an asynchronous save of `state` (a pytree of arrays) and `meta` (JSON) at `step`."""
  manager.save(step, args=ocp.args.Composite(**{STATE: ocp.args.StandardSave(state),
                                                META: ocp.args.JsonSave(meta)}), force=True)


def restore(manager: ocp.CheckpointManager, step: int, target):
  """Restores (state shaped like `target`, meta) from `step`."""
  restored = manager.restore(step, args=ocp.args.Composite(**{STATE: ocp.args.StandardRestore(target),
                                                              META: ocp.args.JsonRestore()}))
  return restored[STATE], restored[META]


def resolve_step_dir(path: str) -> str:
  """A checkpoint step directory from a workdir, its checkpoints/ dir, or a step dir itself."""
  path = os.path.abspath(path)
  if os.path.isdir(os.path.join(path, STATE)):
    return path
  root = path if os.path.basename(path) == CHECKPOINT_DIR else checkpoint_dir(path)
  steps = sorted(int(d) for d in os.listdir(root) if d.isdigit()) if os.path.isdir(root) else []
  if not steps:
    raise FileNotFoundError(f"no checkpoint found at {path!r} (looked for {root}/<step>/{STATE})")
  return os.path.join(root, str(steps[-1]))


def read_meta(step_dir: str) -> dict:
  """The JSON metadata of a checkpoint step directory, read without touching the arrays."""
  return ocp.JsonCheckpointHandler().restore(epath.Path(step_dir) / META)


def read_state_metadata(step_dir: str):
  """Tree of array metadata (shape, dtype) of the saved state, without loading arrays."""
  return ocp.StandardCheckpointer().metadata(os.path.join(step_dir, STATE)).item_metadata


def restore_state(step_dir: str, abstract_state):
  """Restores just the state of a step directory into the structure of `abstract_state`."""
  device = jax.local_devices()[0]
  target = jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=jax.sharding.SingleDeviceSharding(device)),
                        abstract_state)
  return ocp.StandardCheckpointer().restore(os.path.join(step_dir, STATE), target)
