"""Where the train step's time goes: a `jax.profiler` trace of a few steps, summed per XLA op.

    python -m benchmarks.speed.profile_step --config=experiments/paper.py --out=profile_out

Prints the `--top` most expensive ops of the compiled step (synthetic batches of the config's
shapes, as `vidgan bench`): time per step and share of the step, the op's FLOPs (its convolutions
and dots, from the optimised HLO) and bytes (its operands and result), and whether it is compute-
or memory-bound: FLOPs per byte above the device's balance (peak FLOP/s over memory bandwidth) or
below it. The trace stays in `--out` for TensorBoard's profile tab or Perfetto.
"""

import statistics
import time
from collections import Counter

import jax
from absl import app, flags
from etils import epath
from ml_collections import config_flags

from benchmarks.speed.hlo_ops import HloOps, op_seconds
from vidgan_jax import distributed, speed, train_step
from vidgan_jax.batch_layout import batch_layout
from vidgan_jax.models import build_models

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file: shapes, widths, batch.")
flags.DEFINE_string("out", "profile_out", "Folder for the trace and profile.md.")
flags.DEFINE_integer("steps", 3, "Traced steps, after two untraced ones.", lower_bound=1)
flags.DEFINE_integer("top", 10, "Ops in the table.", lower_bound=1)
flags.DEFINE_integer("vocab_size", 512, "Tokenizer size (the embedding's rows).", lower_bound=2)
flags.DEFINE_float("peak_tflops", None, "Peak TFLOP/s of one device (default: vidgan bench's table).")
flags.DEFINE_float("bandwidth_gbps", None, "Memory bandwidth of one device in GB/s (default: vidgan bench's table).")
flags.mark_flags_as_required(["config"])


def profile(config, steps: int) -> tuple[float, Counter, HloOps]:
  """(median step seconds, op seconds per step, the step's HLO) from `steps` traced steps."""
  generator, discriminator = build_models(config, FLAGS.vocab_size)
  state = distributed.replicate(train_step.create_train_state(config, generator, discriminator))
  batch = speed.synthetic_batch(config, batch_layout(config.batch_size), FLAGS.vocab_size)
  p_step = train_step.make_p_train_step(generator, discriminator, config)
  compiled = p_step.compile(state, batch)
  for _ in range(2):
    state, metrics = compiled(state, batch)
  jax.block_until_ready((state, metrics))
  trace_dir = str(epath.Path(FLAGS.out) / "trace")
  seconds = []
  with jax.profiler.trace(trace_dir, create_perfetto_trace=True):
    for _ in range(steps):
      start = time.perf_counter()
      state, metrics = compiled(state, batch)
      jax.block_until_ready((state, metrics))
      seconds.append(time.perf_counter() - start)
  return statistics.median(seconds), op_seconds(trace_dir, steps), HloOps(compiled.as_text())


def table(step: float, ops: Counter, hlo: HloOps, top: int, balance: float | None) -> str:
  """The markdown table of the `top` ops and a line on how much of the step they cover."""
  lines = ["| op | ms/step | share | GFLOP | MB | FLOP/byte | bound by |", "|---|---|---|---|---|---|---|"]
  for name, seconds in ops.most_common(top):
    flops, size = (hlo.flops(name), hlo.bytes(name)) if name in hlo.instructions else (0.0, 0)
    intensity = flops / size if size else 0.0
    bound = "n/a" if balance is None else ("compute" if intensity > balance else "memory")
    lines.append(
      f"| {name} | {1e3 * seconds:.2f} | {seconds / step:.1%} | {flops / 1e9:.3g} | {size / 1e6:.3g} | "
      f"{intensity:.3g} | {bound} |"
    )
  traced = sum(ops.values())
  lines.append(f"\nStep {1e3 * step:.1f} ms (median); traced ops sum to {1e3 * traced:.1f} ms ({traced / step:.0%}).")
  if balance is not None:
    lines.append(f"Balance: {balance:.0f} FLOP/byte (peak FLOP/s over memory bandwidth).")
  return "\n".join(lines)


def device_balance(config) -> float | None:
  kind = jax.devices()[0].device_kind
  peak = FLAGS.peak_tflops or speed.peak_tflops(kind, config.model.dtype)
  bandwidth = FLAGS.bandwidth_gbps or speed.bandwidth_gbps(kind)
  return peak * 1e12 / (bandwidth * 1e9) if peak and bandwidth else None


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = FLAGS.config
  step, ops, hlo = profile(config, FLAGS.steps)
  heading = f"{config.frames}x{config.size}x{config.size}, batch {config.batch_size}, {config.model.dtype}; "
  heading += f"{jax.device_count()} x {jax.devices()[0].device_kind}, jax {jax.__version__}"
  report = heading + "\n\n" + table(step, ops, hlo, FLAGS.top, device_balance(config))
  (epath.Path(FLAGS.out) / "profile.md").write_text(report + "\n")
  print(report)


if __name__ == "__main__":
  app.run(main)
