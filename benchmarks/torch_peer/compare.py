"""Ours (JAX) and the PyTorch peer timed in one process, on synthetic batches of a config's shapes.

    .venv-peer/bin/python -m benchmarks.torch_peer.compare --config=experiments/quickstart.py
    python -m benchmarks.torch_peer.compare --config=experiments/paper.py --compile   # on a GPU

Both take the median of `--steps` steps after warm-up, each step waited for (`block_until_ready`;
`torch.cuda.synchronize` on a GPU). The peer runs eager and, with `--compile`, under
`torch.compile`; on a GPU with bf16 autocast and channels-last-3d when the config's
`model.dtype` is bfloat16. Prints a table row per implementation; `--json` writes them.
"""

import json
import statistics
import time

import jax
import torch
from absl import app, flags
from ml_collections import config_flags

from benchmarks.torch_peer import model as peer_model
from benchmarks.torch_peer import step as peer_step
from vidgan_jax import speed
from vidgan_jax.models import build_models
from vidgan_jax.train_step import create_train_state

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file: shapes, widths, batch.")
flags.DEFINE_integer("steps", 10, "Timed steps per implementation.", lower_bound=1)
flags.DEFINE_integer("vocab_size", 512, "Tokenizer size (the embedding's rows).", lower_bound=2)
flags.DEFINE_bool("compile", False, "Also time the peer under torch.compile.")
flags.DEFINE_string("json", None, "Write the results as JSON to this path.")
flags.mark_flags_as_required(["config"])


def time_ours(config) -> dict:
  generator, discriminator = build_models(config, FLAGS.vocab_size)
  state = create_train_state(config, generator, discriminator)
  figures = speed.bench_train_step(config, generator, discriminator, state, FLAGS.steps, FLAGS.vocab_size)
  return {"median_seconds": figures["step_seconds"]["median"], "compile_seconds": figures["compile_seconds"]}


def time_peer(config, compiled: bool) -> dict:
  device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
  bf16 = config.model.dtype == "bfloat16" and device.type == "cuda"
  generator, discriminator = peer_model.build_models(config, FLAGS.vocab_size)
  generator, discriminator = generator.to(device), discriminator.to(device)
  if device.type == "cuda":
    generator, discriminator = (m.to(memory_format=torch.channels_last_3d) for m in (generator, discriminator))
  step = peer_step.TrainStep(config, generator, discriminator, torch.bfloat16 if bf16 else None)
  if compiled:
    generator.forward = torch.compile(generator.forward)
    discriminator.forward = torch.compile(discriminator.forward)
  batch = peer_step.synthetic_batch(config, FLAGS.vocab_size, device, channels_last=device.type == "cuda")

  def timed() -> float:
    start = time.perf_counter()
    step(batch)
    if device.type == "cuda":
      torch.cuda.synchronize()
    return time.perf_counter() - start

  warm_up = [timed() for _ in range(3 if compiled else 1)]
  seconds = [timed() for _ in range(FLAGS.steps)]
  return {"median_seconds": statistics.median(seconds), "compile_seconds": warm_up[0]}


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = FLAGS.config
  torch.manual_seed(config.seed)
  rows = {"vidgan_jax (JAX, pmap)": time_ours(config), "PyTorch peer, eager": time_peer(config, compiled=False)}
  if FLAGS.compile:
    rows["PyTorch peer, torch.compile"] = time_peer(config, compiled=True)
  hardware = (
    f"{jax.devices()[0].device_kind} ({jax.default_backend()}), torch {torch.__version__}, jax {jax.__version__}"
  )
  print(f"{config.frames}x{config.size}x{config.size}, batch {config.batch_size}, {config.model.dtype}; {hardware}")
  for name, r in rows.items():
    clips = config.batch_size / r["median_seconds"]
    print(
      f"{name}: {1e3 * r['median_seconds']:.0f} ms/step, {clips:.1f} clips/s (first step {r['compile_seconds']:.1f} s)"
    )
  if FLAGS.json:
    with open(FLAGS.json, "w") as f:
      json.dump({"hardware": hardware, "config": config.to_dict(), "rows": rows}, f, indent=2)


if __name__ == "__main__":
  app.run(main)
