"""Train-step and sampling speed of several variants of one config, in one process.

    python benchmarks/speed/sweep.py --config=experiments/paper.py --tokenizer=workdirs/qs/tokenizer.json \
        --variant= --variant=model.dtype=float32 --variant=batch_size=128 --out=bench_out

Each `--variant` is a variant's name in `experiments/variants.py` (as results rows name them), or a
comma-separated list of config overrides (`key=value`, dotted keys, values as Python literals:
`factor_keys=('action','scene'),model.layered=True`; empty: the config as is). Needs only JAX, Flax,
Optax, ml_collections and sentencepiece: no TensorFlow and no dataset (the tokenizer comes from a
workdir's tokenizer.json), so it runs on accelerator machines that have nothing else. Every
variant's figures are appended to `<out>/sweep.jsonl` as soon as they are measured, and a table is
printed at the end. The input pipeline is timed by `vidgan bench`, which needs the dataset.
"""

import ast
import json
import os
import pathlib
import sys

import jax
from absl import app, flags
from ml_collections import config_flags

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from experiments.variants import VARIANTS  # noqa: E402
from vidgan_jax import speed  # noqa: E402
from vidgan_jax.configs import check_config  # noqa: E402
from vidgan_jax.text import Tokenizer  # noqa: E402

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file.", lock_config=False)
flags.DEFINE_string("tokenizer", None, "A workdir's tokenizer.json.")
flags.DEFINE_multi_string(
  "variant", [""], "A variant of experiments/variants.py, or comma-separated overrides key=value; repeatable."
)
flags.DEFINE_integer("steps", 20, "Timed train steps per variant (after one warm-up step).", lower_bound=1)
flags.DEFINE_integer("sample_repeats", 3, "Timed sampling calls per variant.", lower_bound=1)
flags.DEFINE_float("peak_tflops", None, "Peak TFLOP/s of one device (default: benchmark's table).")
flags.DEFINE_string("out", "bench_out", "Folder for sweep.jsonl.")
flags.mark_flags_as_required(["config", "tokenizer"])


def top_level_items(text: str) -> list[str]:
  """Splits at the commas outside brackets and quotes: "a=(1,2),b='x,y'" -> ["a=(1,2)", "b='x,y'"]."""
  items, depth, quote, start = [], 0, None, 0
  for i, char in enumerate(text):
    if quote:
      quote = None if char == quote else quote
    elif char in "'\"":
      quote = char
    elif char in "([{":
      depth += 1
    elif char in ")]}":
      depth -= 1
    elif char == "," and depth == 0:
      items.append(text[start:i])
      start = i + 1
  items.append(text[start:])
  return [item for item in items if item.strip()]


def parse_overrides(variant: str) -> dict:
  """A variant's name -> its overrides; 'a.b=1,c=bfloat16,d=(1,2)' -> {'a.b': 1, 'c': 'bfloat16',
  'd': (1, 2)} (values as Python literals, else strings)."""
  if variant in VARIANTS:
    return dict(VARIANTS[variant])
  overrides = {}
  for item in top_level_items(variant):
    key, sep, text = item.partition("=")
    if not sep:
      raise app.UsageError(f"--variant item {item!r} is neither key=value nor a variant of experiments/variants.py")
    try:
      overrides[key.strip()] = ast.literal_eval(text)
    except (ValueError, SyntaxError):
      overrides[key.strip()] = text
  return overrides


def _row(name: str, r: dict) -> str:
  s = r["step_seconds"]
  mfu = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a"
  memory = f"{r['peak_memory_bytes'] / 2**30:.1f}" if r["peak_memory_bytes"] else "n/a"
  flops = f"{r['flops_per_step'] / 1e12:.3g} | {r['achieved_tflops']:.3g}" if r["flops_per_step"] else "n/a | n/a"
  return (
    f"| {name or '(as is)'} | {r['global_batch']} | {r['dtype']} | {r['compile_seconds']:.0f} | "
    f"{1e3 * s['median']:.1f} ({1e3 * s['p10']:.1f}-{1e3 * s['p90']:.1f}) | {r['clips_per_second']:.1f} | "
    f"{flops} | {mfu} | {memory} | "
    f"{r['sample_clips_per_second']:.1f} |"
  )


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  with open(FLAGS.tokenizer) as f:
    tokenizer = Tokenizer.from_json(f.read())
  os.makedirs(FLAGS.out, exist_ok=True)
  rows = []
  for variant in FLAGS.variant:
    config = FLAGS.config.copy_and_resolve_references()
    config.update_from_flattened_dict(parse_overrides(variant))
    check_config(config)
    print(f"variant {variant or '(as is)'}: measuring", file=sys.stderr, flush=True)
    results = speed.model_figures(config, tokenizer, FLAGS.steps, FLAGS.sample_repeats, FLAGS.peak_tflops)
    results.update(variant=variant, jax_version=jax.__version__)
    with open(os.path.join(FLAGS.out, "sweep.jsonl"), "a") as f:
      f.write(json.dumps(results) + "\n")
    rows.append(_row(variant, results))
    print(rows[-1], file=sys.stderr, flush=True)
  print(f"{jax.device_count()} x {jax.devices()[0].device_kind}, jax {jax.__version__}")
  print(
    "| variant | batch | dtype | compile s | step ms (p10-p90) | clips/s | TFLOP/step | TFLOP/s | MFU | "
    "peak GiB | sample clips/s |"
  )
  print("|---|---|---|---|---|---|---|---|---|---|---|")
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
