"""`vidgan bench --config=experiments/X.py [--steps=N] [--json=PATH] [--peak_tflops=F]`.

Times the pmapped train step (compile, median and spread of N steps after warm-up, clips/s,
FLOPs per step from XLA's cost analysis, MFU against the device's peak), the input pipeline and
sampling, then prints a summary and optionally writes JSON.
"""

import json
import logging
import os

import jax
import ml_collections
from absl import app, flags
from ml_collections import config_flags

from vidgan_jax import input_pipeline, speed
from vidgan_jax.batches import worker_count
from vidgan_jax.commands.common import run_command
from vidgan_jax.configs import check_config
from vidgan_jax.text import Tokenizer

FLAGS = flags.FLAGS
logger = logging.getLogger(__name__)
config_flags.DEFINE_config_file(
  "config", None, "Experiment config file, e.g. experiments/quickstart.py.", lock_config=True
)
flags.DEFINE_integer("steps", 20, "Timed train steps (after one warm-up step).", lower_bound=1)
flags.DEFINE_integer("input_batches", 50, "Timed input-pipeline batches.", lower_bound=1)
flags.DEFINE_integer("sample_repeats", 5, "Timed sampling calls.", lower_bound=1)
flags.DEFINE_float(
  "peak_tflops", None, "Peak TFLOP/s of one device for MFU (default: the built-in table; none for CPUs)."
)
flags.DEFINE_string("json", None, "Write the results as JSON to this path.")
flags.mark_flags_as_required(["config"])


def figures(config: ml_collections.ConfigDict) -> dict:
  """Every figure: the model's (speed.model_figures) and the input pipeline's, on the config's data."""
  data = input_pipeline.TfdsData(config)
  tokenizer = Tokenizer.for_config(data.captions(), config.text)
  results = speed.model_figures(config, tokenizer, FLAGS.steps, FLAGS.sample_repeats, FLAGS.peak_tflops)
  layout = input_pipeline.batch_layout(config.batch_size)
  results["input_workers"] = worker_count(config.input_workers)
  results["input_clips_per_second"] = input_pipeline.clips_per_second(
    data.batches(tokenizer, layout), layout.process_batch, batches=FLAGS.input_batches
  )
  results["input_headroom"] = results["input_clips_per_second"] / results["clips_per_second"]
  return results


def _summary(r: dict) -> str:
  s = r["step_seconds"]
  mfu = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a (no peak for this device; --peak_tflops)"
  flops = f"{r['flops_per_step'] / 1e12:.3f} TFLOP" if r["flops_per_step"] else "n/a"
  memory = f"{r['peak_memory_bytes'] / 2**30:.2f} GiB" if r["peak_memory_bytes"] else "n/a (not reported)"
  return "\n".join(
    [
      f"device: {r['device_count']} x {r['device_kind']} ({r['backend']}), {r['dtype']}, "
      f"global batch {r['global_batch']}",
      f"compile: {r['compile_seconds']:.1f} s",
      f"train step: median {1e3 * s['median']:.1f} ms (p10 {1e3 * s['p10']:.1f}, p90 {1e3 * s['p90']:.1f}), "
      f"{r['clips_per_second']:.1f} clips/s",
      f"FLOPs/step: {flops}; MFU: {mfu}",
      f"peak device memory: {memory}",
      f"input pipeline: {r['input_clips_per_second']:.1f} clips/s with {r['input_workers']} worker process(es) "
      f"({r['input_headroom']:.1f}x what training uses)",
      f"sampling: {r['sample_clips_per_second']:.1f} clips/s",
    ]
  )


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = FLAGS.config
  try:
    check_config(config)
    results = figures(config)
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  results.update(jax_version=jax.__version__, config=config.to_dict())
  print(_summary(results))
  if FLAGS.json:
    os.makedirs(os.path.dirname(os.path.abspath(FLAGS.json)), exist_ok=True)
    with open(FLAGS.json, "w") as f:
      json.dump(results, f, indent=2)
    logger.info("wrote %s", FLAGS.json)


def run(argv: list[str]) -> None:
  run_command(main, argv, config_file_flags=("config",))
