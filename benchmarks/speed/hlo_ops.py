"""The compiled step's XLA ops, read from its optimised HLO text (shapes, FLOPs, bytes) and from a
`jax.profiler` trace (seconds per op). Used by `benchmarks/speed/profile_step.py`."""

import gzip
import json
import math
import re
from collections import Counter

from etils import epath

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
