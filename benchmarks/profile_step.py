"""Where the train step's time goes: a `jax.profiler` trace of a few steps, summed per XLA op.

    python -m benchmarks.profile_step --config=experiments/paper.py --out=profile_out

Prints the `--top` most expensive ops of the compiled step (synthetic batches of the config's
shapes, as `vidgan bench`): time per step and share of the step, the op's FLOPs (its convolutions
and dots, from the optimised HLO) and bytes (its operands and result), and whether it is compute-
or memory-bound: FLOPs per byte above the device's balance (peak FLOP/s over memory bandwidth) or
below it. The trace stays in `--out` for TensorBoard's profile tab or Perfetto.
"""

import gzip
import json
import math
import re
import statistics
import time
from collections import Counter

import jax
from absl import app, flags
from etils import epath
from ml_collections import config_flags

from vidgan_jax import benchmark, distributed, train_step
from vidgan_jax.batch_layout import batch_layout
from vidgan_jax.models import build_models

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file: shapes, widths, batch.")
flags.DEFINE_string("out", "profile_out", "Folder for the trace and profile.md.")
flags.DEFINE_integer("steps", 3, "Traced steps, after two untraced ones.", lower_bound=1)
flags.DEFINE_integer("top", 10, "Ops in the table.", lower_bound=1)
flags.DEFINE_integer("vocab_size", 512, "Tokenizer size (the embedding's rows).", lower_bound=2)
flags.DEFINE_float("peak_tflops", None, "Peak TFLOP/s of one device (default: vidgan bench's table).")
flags.DEFINE_float("bandwidth_gbps", None, "Memory bandwidth of one device in GB/s (default: the table below).")
flags.mark_flags_as_required(["config"])

# HBM bandwidth (GB/s) by device kind, from the vendors' data sheets (SXM parts).
BANDWIDTH_GBPS = {"H100": 3350.0, "H200": 4800.0}
DTYPE_BYTES = {"pred": 1, "s8": 1, "u8": 1, "bf16": 2, "f16": 2, "s16": 2, "u16": 2, "f32": 4, "s32": 4, "u32": 4}
DTYPE_BYTES.update({"f64": 8, "s64": 8, "u64": 8})
_SHAPE = re.compile(r"\b([a-z]+\d*)\[([\d,]*)\]")
_INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%?([\w.\-]+) = (\([^=]*?\)|\S+) ([\w\-]+)\((.*?)\)(.*)$")


def shape_bytes(text: str) -> int:
  """Bytes of every array shape in `text` ("f32[8,16]{1,0}" or a tuple of them)."""
  return sum(
    DTYPE_BYTES.get(dtype, 4) * math.prod(int(d) for d in dims.split(",") if d) for dtype, dims in _SHAPE.findall(text)
  )


def dims_of(text: str) -> list[int]:
  match = _SHAPE.search(text)
  return [int(d) for d in match.group(2).split(",") if d] if match else []


class HloOps:
  """The optimised HLO module's instructions: shapes, operands, called computations, FLOPs."""

  def __init__(self, hlo_text: str):
    self.instructions, self.computations, current = {}, {}, None
    for line in hlo_text.splitlines():
      header = re.match(r"^(?:ENTRY )?%?([\w.\-]+) .*\{$", line)
      if header and " = " not in line:
        current = self.computations.setdefault(header.group(1), [])
        continue
      match = _INSTRUCTION.match(line)
      if match and current is not None:
        name, shape, opcode, operands, rest = match.groups()
        self.instructions[name] = {
          "shape": shape,
          "opcode": opcode,
          "operands": re.findall(r"%([\w.\-]+)", operands),
          "calls": re.findall(r"(?:calls|to_apply)=%([\w.\-]+)", rest),
          "attributes": rest,
        }
        current.append(name)

  def flops(self, name: str) -> float:
    """2 x multiply-adds of the convolutions and dots in `name`, or in what it calls."""
    op = self.instructions[name]
    if op["opcode"] == "convolution":
      kernel = dims_of(self.instructions[op["operands"][1]]["shape"])
      labels = re.search(r"dim_labels=\w+_(\w+)->", op["attributes"]).group(1)
      return 2.0 * math.prod(dims_of(op["shape"])) * math.prod(kernel) / kernel[labels.index("o")]
    if op["opcode"] == "dot":
      lhs = dims_of(self.instructions[op["operands"][0]]["shape"])
      contracting = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", op["attributes"]).group(1)
      return 2.0 * math.prod(dims_of(op["shape"])) * math.prod(lhs[int(d)] for d in contracting.split(",") if d)
    return sum(self.flops(inner) for called in op["calls"] for inner in self.computations.get(called, []))

  def bytes(self, name: str) -> int:
    """Bytes the op reads and writes: its operands and its result."""
    op = self.instructions[name]
    return shape_bytes(op["shape"]) + sum(
      shape_bytes(self.instructions[o]["shape"]) for o in op["operands"] if o in self.instructions
    )


def op_seconds(trace_dir: str, steps: int) -> Counter:
  """Seconds per step of each XLA op (events that name their `hlo_op`) in the trace's Perfetto file."""
  path = max(epath.Path(trace_dir).glob("plugins/profile/*/*.trace.json.gz"), key=lambda p: p.stat().mtime)
  events = json.loads(gzip.decompress(path.read_bytes()))["traceEvents"]
  seconds = Counter()
  for event in events:
    if event.get("ph") == "X" and "hlo_op" in event.get("args", {}):
      seconds[event["args"]["hlo_op"]] += event["dur"] * 1e-6 / steps
  return seconds


def profile(config, steps: int) -> tuple[float, Counter, HloOps]:
  """(median step seconds, op seconds per step, the step's HLO) from `steps` traced steps."""
  generator, discriminator = build_models(config, FLAGS.vocab_size)
  state = distributed.replicate(train_step.create_train_state(config, generator, discriminator))
  batch = benchmark.synthetic_batch(config, batch_layout(config.batch_size), FLAGS.vocab_size)
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
  peak = FLAGS.peak_tflops or benchmark.peak_tflops(kind, config.model.dtype)
  bandwidth = FLAGS.bandwidth_gbps or next((v for k, v in BANDWIDTH_GBPS.items() if k in kind), None)
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
