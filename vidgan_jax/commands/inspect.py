"""`vidgan inspect PATH [--json] [--verify]`: a checkpoint's step, config and parameter tree, from metadata only;
`vidgan inspect --pretrained=NAME`: a shipped generator's card.

PATH is a workdir (its newest checkpoint), its checkpoints/ directory, or one step directory.
No array is read: shapes and dtypes come from orbax's metadata.
"""

import collections
import json
import math

import numpy as np
from absl import app, flags
from etils import epath

from vidgan_jax import __version__, checkpoints, checksums, model_card, pretrained
from vidgan_jax.commands.common import run_command

FLAGS = flags.FLAGS
flags.DEFINE_bool("json", False, "Print JSON instead of text.")
flags.DEFINE_string("pretrained", None, "A shipped generator's name or an exported folder: print its card.")
flags.DEFINE_bool("verify", False, "Also check every file of the checkpoint against its recorded checksums.")


def _leaves(tree, prefix=()):
  """(path tuple, leaf) pairs of nested dicts/lists."""
  if isinstance(tree, dict):
    for key, value in tree.items():
      yield from _leaves(value, prefix + (str(key),))
  elif isinstance(tree, (list, tuple)):
    for i, value in enumerate(tree):
      yield from _leaves(value, prefix + (str(i),))
  else:
    yield prefix, tree


def _disk_bytes(path: epath.Path) -> int:
  # iterdir, not walk: epath's walk drops the gs:// of the folders it yields.
  return sum(_disk_bytes(p) if p.is_dir() else p.stat().length for p in path.iterdir())


def describe(step_dir: epath.Path) -> dict:
  """Everything `inspect` reports about one checkpoint step directory."""
  meta = checkpoints.read_meta(step_dir)
  tree = checkpoints.read_state_metadata(step_dir)
  parameters, module_counts, optimizer = {}, collections.OrderedDict(), collections.Counter()
  for path, leaf in _leaves(tree):
    if leaf is None:  # Empty optimiser states (e.g. optax.EmptyState) hold no array.
      continue
    shape, dtype = tuple(leaf.shape), str(np.dtype(leaf.dtype))
    count = math.prod(shape)
    if path[0] in checkpoints.PARAMETER_TREES:
      parameters["/".join(path)] = {"shape": list(shape), "dtype": dtype, "count": count}
      if path[0] != "ema_params":
        module = "/".join(path[:2])
        module_counts[module] = module_counts.get(module, 0) + count
    elif path[0].endswith("opt_state"):
      optimizer[f"{path[0]} {dtype}"] += count
  return {
    "path": str(step_dir),
    "step": meta["step"],
    # Checkpoints from before versions were recorded have none.
    "written_by_version": meta.get("vidgan_jax_version", "unknown"),
    "read_by_version": __version__,
    "bytes_on_disk": _disk_bytes(step_dir),
    "parameter_counts": {
      "generator": sum(v for k, v in module_counts.items() if k.startswith("g_")),
      "discriminator": sum(v for k, v in module_counts.items() if k.startswith("d_")),
      "per_module": dict(module_counts),
    },
    "optimizer_state": dict(optimizer),
    "parameters": parameters,
    "config": meta["config"],
  }


def _text(info: dict) -> str:
  lines = [
    f"checkpoint {info['path']}",
    f"step {info['step']}, {info['bytes_on_disk'] / 2**20:.1f} MiB on disk",
    f"written by vidgan_jax {info['written_by_version']}, read by vidgan_jax {info['read_by_version']}",
    *([f"checksums: {info['checksums']}"] if "checksums" in info else []),
    "",
    "parameters per module:",
  ]
  lines += [f"  {k:<50} {v:>12,}" for k, v in info["parameter_counts"]["per_module"].items()]
  lines += [
    f"  {'generator total':<50} {info['parameter_counts']['generator']:>12,}",
    f"  {'discriminator total':<50} {info['parameter_counts']['discriminator']:>12,}",
    "",
    "optimizer state (values):",
  ]
  lines += [f"  {k:<50} {v:>12,}" for k, v in info["optimizer_state"].items()]
  lines += ["", "parameter tree:"]
  lines += [
    f"  {k:<70} {str(tuple(v['shape'])):<22} {v['dtype']}"
    for k, v in info["parameters"].items()
    if not k.startswith("ema_params")
  ]
  lines += ["", "config:", json.dumps(info["config"], indent=2)]
  return "\n".join(lines)


def print_card(name: str) -> None:
  try:
    folder = pretrained.resolve(name)
  except pretrained.PretrainedError as e:
    raise app.UsageError(str(e)) from None
  card = folder / model_card.CARD_FILE
  if not card.is_file():
    raise app.UsageError(f"{folder} has no {model_card.CARD_FILE}: `vidgan export` writes one beside the weights")
  print(card.read_text())
  print(f"(card of {folder}; read by vidgan_jax {__version__})")


def main(argv: list[str]) -> None:
  if FLAGS.pretrained is not None:
    if len(argv) != 1:
      raise app.UsageError("give either PATH or --pretrained=NAME, not both")
    print_card(FLAGS.pretrained)
    return
  if len(argv) != 2:
    raise app.UsageError("usage: vidgan inspect PATH [--json] [--verify], or vidgan inspect --pretrained=NAME")
  try:
    step_dir = checkpoints.resolve_step_dir(argv[1])
  except FileNotFoundError as e:
    raise app.UsageError(str(e)) from None
  try:
    step_dir, info = checkpoints.read_newest(argv[1], describe, verify=False)  # --verify reports, moves nothing.
  except Exception as e:  # noqa: BLE001  (a damaged checkpoint fails in many ways; say which, not how)
    detail = str(e).splitlines()[0] if str(e) else ""
    raise app.UsageError(f"checkpoint {step_dir} is unreadable: {type(e).__name__}: {detail}") from None
  if FLAGS.verify:
    try:
      files = checksums.verify(step_dir)
    except checksums.DamagedCheckpoint as e:
      raise app.UsageError(str(e)) from None
    info["checksums"] = f"{files} files match their checksums" if files else "none recorded: not verified"
  print(json.dumps(info, indent=2) if FLAGS.json else _text(info))


def run(argv: list[str]) -> None:
  run_command(main, argv)
