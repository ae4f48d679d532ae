"""The training loop: data, the pmapped step (`train_step`), logging, samples and checkpoints."""

import contextlib
import dataclasses
import logging
import signal

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from etils import epath
from jax.experimental import multihost_utils
from jax_loop_utils import metric_writers, periodic_actions
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from vidgan_jax import (
  __version__,
  checkpoints,
  paths,
  rendered_input,
  replicas,
  resume,
  sampling,
  summaries,
  video_io,
  workdir_lock,
)
from vidgan_jax.batch_layout import batch_layout
from vidgan_jax.configs import check_config, flat_config
from vidgan_jax.distributed import replicate, replicated_sharding, to_host, unreplicate
from vidgan_jax.models import Generator, build_models
from vidgan_jax.text import Tokenizer
from vidgan_jax.train_step import TrainState, create_train_state, make_p_train_step

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"


def prepare_tokenizer(workdir: str, captions, config: ml_collections.ConfigDict) -> Tokenizer:
  """The workdir's tokenizer; trained from the training captions (a callable giving them) on the first run."""
  path = paths.resolve(workdir) / TOKENIZER_FILE
  if path.exists():
    return Tokenizer.from_json(path.read_text())
  tokenizer = Tokenizer.for_config(captions(), config.text)
  if jax.process_index() == 0:  # Written whole or not at all: a kill here must not leave half a file.
    paths.write_atomically(path, tokenizer.to_json())
  return tokenizer


def training_data(config: ml_collections.ConfigDict):
  """The training split behind `config.input`: "tfds" (a built dataset read with Grain) or
  "rendered" (action_scenes clips rendered in this process, no build needed). Both give
  `captions()` and `batches(tokenizer, layout)`, an iterator with get_state/set_state."""
  if config.input == "rendered":
    return rendered_input.RenderedData(config)
  if config.input == "tfds":
    from vidgan_jax import input_pipeline  # Here, so that rendered runs need no TFDS.

    return input_pipeline.TfdsData(config)
  raise ValueError(f"config.input={config.input!r}: use 'tfds' or 'rendered'")


def _check_writable(workdir: epath.Path) -> None:
  """Fails at start-up, not at the first checkpoint, when the workdir cannot be written."""
  try:
    workdir.mkdir(parents=True, exist_ok=True)
    probe = workdir / f".write_test_{jax.process_index()}"
    probe.write_text("ok")
    probe.unlink()
  except OSError as e:
    reason = e.strerror or str(e)
    raise PermissionError(
      f"the workdir {str(workdir)!r} is not writable ({reason}); choose another --workdir"
    ) from None


class StopRequest:
  """Turns SIGTERM/SIGINT into a flag the loop checks, so it can checkpoint and exit cleanly."""

  def __init__(self):
    self.signal_name = None

  def agreed(self, at_sync_point: bool) -> bool:
    """Whether to stop now. With several processes, they decide together at sync points (log
    steps) so that every process saves the same step; one process alone may stop at any step."""
    if jax.process_count() == 1:
      return self.signal_name is not None
    if not at_sync_point:
      return False
    anyone = multihost_utils.process_allgather(np.asarray(self.signal_name is not None)).any()
    self.signal_name = self.signal_name or ("SIGTERM" if anyone else None)
    return bool(anyone)

  def _handle(self, signum, frame):
    del frame
    self.signal_name = signal.Signals(signum).name

  @contextlib.contextmanager
  def installed(self):
    previous = {s: signal.signal(s, self._handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
      yield self
    finally:
      for s, handler in previous.items():
        signal.signal(s, handler)


def _write_samples(
  workdir: epath.Path,
  step: int,
  generator: Generator,
  ema_params,
  tokenizer: Tokenizer,
  config: ml_collections.ConfigDict,
  writer: metric_writers.MetricWriter,
) -> None:
  """One clip per sample prompt from the EMA generator: a grid GIF in the workdir and in TensorBoard
  (an animated image), with the prompts of its rows as text."""
  prompts = list(config.sample_prompts)
  videos, _ = sampling.generate(generator, ema_params, tokenizer, prompts, 1, config.seed, config)
  frames = video_io.upscale(video_io.grid(video_io.to_uint8(videos)), max(1, 128 // config.size))
  video_io.write_gif(workdir / "samples" / f"step_{step:07d}.gif", frames)
  writer.write_videos(step, {"samples/clips": frames})
  writer.write_texts(step, {"samples/prompts": "\n".join(f"{row}. {p}" for row, p in enumerate(prompts, 1))})


def _check_nonfinite(metrics: dict, seen: int, last_step: int, step: int, policy: str, workdir: str) -> None:
  """Reports updates skipped since the last log for non-finite values; stops the run under "stop"."""
  skipped = int(metrics["nonfinite_steps"]) - seen
  if not skipped:
    return
  where = f"{skipped} step(s) between step {last_step + 1} and step {step}"
  if policy == "stop":
    raise FloatingPointError(
      f"non-finite loss or gradient in {where} (g_loss={metrics['g_loss']}, d_loss={metrics['d_loss']}); "
      f"stopped without saving: the last checkpoint in {checkpoints.checkpoint_dir(workdir)} is intact"
    )
  logger.warning("skipped the update of %s: non-finite loss or gradient", where)


def _make_evaluator(config: ml_collections.ConfigDict):
  """The in-training evaluator (classifier loaded or trained, real clips scored once), or None."""
  if not config.eval_every_steps or jax.process_index() != 0:
    return None
  # The evaluation reads the built test splits with TFDS: imported only when asked for.
  from vidgan_jax import input_pipeline
  from vidgan_jax.evaluation import classifier, evaluate, protocol

  builder = input_pipeline.load_builder(config.dataset, config.data_dir)
  input_pipeline.ensure_built(builder, config.build_if_missing)
  evaluate.check_clip_counts(_in_training(config.eval))
  dataset_protocol = protocol.read_protocol(builder, config.eval.prompts_per_pair, config.eval.seed)
  trained = classifier.load_or_train(builder, config.eval.classifier, dataset_protocol)
  return evaluate.Evaluator(evaluate.Scorer(trained, config.eval.batch_size), builder, dataset_protocol)


def _in_training(eval_config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """The evaluation settings inside training: `train_num_per_pair` clips per pair."""
  config = ml_collections.ConfigDict(eval_config.to_dict())
  config.num_per_pair = eval_config.train_num_per_pair
  return config


def _evaluate(
  evaluator,
  step: int,
  generator: Generator,
  ema_params,
  tokenizer: Tokenizer,
  config: ml_collections.ConfigDict,
  writer: metric_writers.MetricWriter,
) -> None:
  """Scores the EMA generator on `config.eval.train_num_per_pair` clips per pair; logs and writes
  the headline figures (`Evaluator.headline`) to TensorBoard under eval/."""

  def generate(prompts, num, seed):
    return sampling.generate(generator, ema_params, tokenizer, prompts, num, seed, config)[0]

  report, _ = evaluator(generate, _in_training(config.eval), keep=0)
  figures = evaluator.headline(report)
  logger.info("eval step %d: %s", step, ", ".join(f"{k}={v:.3f}" for k, v in figures.items()))
  writer.write_scalars(step, {f"eval/{k}": v for k, v in figures.items()})


# One dispatch per step to add a step's metrics (arrays on the local devices) to the window's sums.
_add_on_devices = jax.pmap(lambda a, b: jax.tree.map(jnp.add, a, b))


class MetricWindow:
  """The step metrics between two logs, summed on the devices (no host sync per step) and read as
  their means over the window; counters (running totals) are read as their latest value."""

  COUNTERS = ("nonfinite_steps",)

  def __init__(self):
    self._sums, self._latest, self._steps = None, None, 0

  def add(self, metrics: dict) -> None:
    self._sums = metrics if self._sums is None else _add_on_devices(self._sums, metrics)
    self._latest = metrics
    self._steps += 1

  def read(self) -> dict[str, float]:
    """The window's means as floats (the host waits for the steps here); starts a new window."""
    means = {k: float(v) / self._steps for k, v in unreplicate(self._sums).items()}
    latest = unreplicate(self._latest)
    means.update({k: float(latest[k]) for k in self.COUNTERS if k in latest})
    self._sums, self._latest, self._steps = None, None, 0
    return means


def _periodic_actions(
  config: ml_collections.ConfigDict, writer: metric_writers.MetricWriter, logdir: str, start_step: int
) -> list[periodic_actions.PeriodicAction]:
  """Process 0's per-step hooks: steps/s, uptime and ETA (`ReportProgress`); a profiler trace of
  `config.profile_steps` steps from `config.profile_first_step` (`Profile`), if that lies ahead."""
  actions = [
    periodic_actions.ReportProgress(
      num_train_steps=config.num_train_steps, writer=writer, every_steps=config.log_every_steps
    )
  ]
  if config.profile_steps:
    first, last = config.profile_first_step, config.profile_first_step + config.profile_steps
    if start_step < first and last <= config.num_train_steps:
      actions.append(
        periodic_actions.Profile(
          logdir=logdir,
          num_profile_steps=config.profile_steps,
          profile_duration_ms=None,
          first_profile=first,
          every_secs=None,
        )
      )
    else:
      logger.warning(
        "no profile: steps %d-%d do not lie between this run's start (%d) and end (%d)",
        first,
        last,
        start_step,
        config.num_train_steps,
      )
  return actions


def _log_line(step: int, metrics: dict, steps_per_sec: float) -> str:
  """Every metric the step returns (the losses' terms, whatever they are), the counters as counts."""
  return f"step {step}: {steps_per_sec:.2f} steps/s, " + ", ".join(
    f"{k}={int(v)}" if k in MetricWindow.COUNTERS else f"{k}={v:.4f}" for k, v in metrics.items()
  )


def train_and_evaluate(
  config: ml_collections.ConfigDict, workdir: str, allow_config_change: bool = False
) -> TrainState:
  """Trains `config` in `workdir`, resuming from its newest checkpoint; returns the final state.

  A config that differs from the checkpoint's is named in one line; a change of the model or the
  data raises resume.ConfigChangeRefused unless `allow_config_change`."""
  check_config(config)  # Keys, types and values, nonfinite_policy's among them.
  layout = batch_layout(config.batch_size)
  workdir = paths.resolve(workdir)
  _check_writable(workdir)
  lock = _lock_workdir(workdir)
  try:
    return _train(config, workdir, layout, allow_config_change)
  finally:
    if lock is not None:
      lock.release()


def _config_changes(manager, config: ml_collections.ConfigDict, allow: bool) -> dict[str, tuple]:
  """The changes of `config` from the newest checkpoint's, named in one line before anything is
  restored (resume.check refuses a new model or dataset unless `allow`); {} for a fresh run or a
  newest checkpoint whose metadata cannot be read (restoring sets it aside)."""
  step = manager.latest_step()
  if step is None:
    return {}
  try:
    saved = checkpoints.read_meta(epath.Path(manager.directory) / str(step))
  except Exception:  # noqa: BLE001  (a damaged checkpoint: restore_newest_good names it and moves it aside)
    return {}
  changed = resume.check(saved["config"], config, allow)
  if changed:
    logger.warning("resuming with a changed config: %s", resume.describe(changed))
  return changed


def _input_start(workdir: epath.Path, step: int, changed: dict, layout) -> tuple[resume.InputStart, bool]:
  """Where a resumed run's stream of examples begins, and whether the global batch changed (then
  the checkpoint's Grain position, counted in batches of the old size, does not apply)."""
  saved = checkpoints.read_meta(checkpoints.checkpoint_dir(workdir) / str(step))
  start = resume.InputStart(**saved.get("input_start", {}))
  if "batch_size" not in changed:
    return start, False
  old_process_batch = changed["batch_size"][0] // layout.process_count
  start = resume.InputStart(start.examples_read(step, old_process_batch), step)
  logger.warning("the global batch changed: reading on from example %d of the stream", start.example)
  return start, True


def _lock_workdir(workdir: epath.Path) -> workdir_lock.WorkdirLock | None:
  """Process 0 locks the workdir for the whole run: one lock per run, however many processes.
  If another run has it, process 0 stops with the error and JAX's distributed runtime stops the
  others when it misses process 0's heartbeat, as for any process that dies."""
  return workdir_lock.acquire(workdir) if jax.process_index() == 0 else None


def _train(config: ml_collections.ConfigDict, workdir: epath.Path, layout, allow_config_change: bool) -> TrainState:
  """The run itself, in a locked workdir."""
  is_main = jax.process_index() == 0
  logger.info(
    "devices: %d (%d per process, %d process(es)); batch: global %d, per process %d, per device %d",
    jax.device_count(),
    layout.local_devices,
    layout.process_count,
    layout.global_batch,
    layout.process_batch,
    layout.device_batch,
  )

  data = training_data(config)
  tokenizer = prepare_tokenizer(workdir, data.captions, config)
  if data.factor_classes() != tuple(config.factor_classes):
    raise ValueError(
      f"config.factor_classes={tuple(config.factor_classes)}, but the dataset's {tuple(config.factor_keys)} "
      f"have {data.factor_classes()} classes: set --config.factor_classes='{data.factor_classes()}'"
    )
  generator, discriminator = build_models(config, tokenizer.vocab_size)

  state = create_train_state(config, generator, discriminator)
  manager = checkpoints.make_manager(workdir, config.keep_checkpoints)
  target = jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=replicated_sharding()), state)
  changed = _config_changes(manager, config, allow_config_change)
  restored = checkpoints.restore_newest_good(manager, target)
  if restored is not None:
    state = jax.tree.map(lambda x: x.addressable_data(0), restored)  # This process's copy.
    logger.info("resumed from %s at step %d", checkpoints.checkpoint_dir(workdir), int(state.step))
  start_step = int(state.step)
  input_start, batch_changed = (
    (resume.InputStart(), False) if restored is None else _input_start(workdir, start_step, changed, layout)
  )
  meta = {
    "config": config.to_dict(),
    "tokenizer": tokenizer.to_json(),
    "vidgan_jax_version": __version__,
    "input_start": dataclasses.asdict(input_start),
  }
  if is_main:
    (workdir / "config.json").write_text(config.to_json(indent=2))

  batches = data.batches(tokenizer, layout, start_example=input_start.example)
  if restored is not None and not batch_changed:
    if not checkpoints.restore_input_position(manager, start_step, batches):
      logger.warning("checkpoint %d holds no input position: reading past the batches it trained on", start_step)
      for _ in range(start_step):
        next(batches)
  p_train_step = make_p_train_step(generator, discriminator, config)
  r_state = replicate(state)
  logdir = str(workdir / "tensorboard")
  writer = summaries.create_default_writer(logdir, enabled=is_main)
  writer.write_hparams(flat_config(config))
  hooks = _periodic_actions(config, writer, logdir, start_step) if is_main else []
  evaluator = _make_evaluator(config)
  window = MetricWindow()

  stop = StopRequest()
  progress = tqdm(
    total=config.num_train_steps, initial=start_step, disable=not is_main, unit="step", dynamic_ncols=True
  )
  last_log = (start_step, progress.format_dict["elapsed"])
  nonfinite_seen = int(state.nonfinite_steps)
  unrecorded = []  # Steps saved whose checksums are not written yet (their saves may be in flight).
  try:
    with stop.installed(), logging_redirect_tqdm([logger]):
      for step in range(start_step + 1, config.num_train_steps + 1):
        r_state, metrics = p_train_step(r_state, next(batches))
        window.add(metrics)
        progress.update()
        for hook in hooks:
          hook(step)
        stopping = stop.agreed(at_sync_point=step % config.log_every_steps == 0)
        finished = step == config.num_train_steps
        final = finished or stopping
        if step % config.log_every_steps == 0 or final:
          metrics = window.read()
          _check_nonfinite(metrics, nonfinite_seen, last_log[0], step, config.nonfinite_policy, workdir)
          nonfinite_seen = int(metrics["nonfinite_steps"])
          elapsed = progress.format_dict["elapsed"]
          steps_per_sec = (step - last_log[0]) / max(elapsed - last_log[1], 1e-9)
          last_log = (step, elapsed)
          progress.set_postfix(
            g=f"{metrics['g_loss']:.3f}", d=f"{metrics['d_loss']:.3f}", l1=f"{metrics['video_l1']:.3f}"
          )
          logger.info(_log_line(step, metrics, steps_per_sec))
          writer.write_scalars(step, {f"train/{k}": v for k, v in metrics.items()})
          unrecorded = checkpoints.record_checksums(manager, unrecorded)
        # A stop signal adds no samples or evaluation of its own (minutes at 32px on a CPU): a
        # preempted host has seconds, and they go to the checkpoint.
        if is_main and (step % config.sample_every_steps == 0 or finished):
          _write_samples(workdir, step, generator, unreplicate(r_state.ema_params), tokenizer, config, writer)
        if evaluator is not None and (step % config.eval_every_steps == 0 or finished):
          _evaluate(evaluator, step, generator, unreplicate(r_state.ema_params), tokenizer, config, writer)
        checkpointing = step % config.checkpoint_every_steps == 0 or final
        every = config.replica_check_every_steps
        if every and (step % every == 0 or checkpointing):
          replicas.check(r_state, step)
        if checkpointing:
          checkpoints.save(manager, step, to_host(r_state), {**meta, "step": step}, batches.get_state())
          unrecorded.append(step)
          writer.flush()  # Events as far as the checkpoint (in a bucket: uploaded only on a flush).
        if stopping:
          logger.warning("%s received: saved a checkpoint at step %d and stopped", stop.signal_name, step)
          break
  finally:
    progress.close()
    writer.close()
    checkpoints.finish(manager, unrecorded)
  return unreplicate(r_state)
