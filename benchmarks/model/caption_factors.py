"""How well a trained generator's factor bottleneck reads the evaluation prompts: per group of
prompts (seen pairs, held-out pairs) and per factor, the share of prompts whose most likely class
is the one the prompt names.

    python benchmarks/model/caption_factors.py workdirs/rows/proxy-stage_factors-s0 [more workdirs] [--data_dir=data]

A held-out pair's clip can only show its scene if the caption's scene code names that scene: this
separates the text side of a composition error from the clip side (docs/results.md). Prints one
markdown row per workdir (the newest checkpoint of each).
"""

import sys

import jax.numpy as jnp
import numpy as np
from absl import app, flags, logging

from vidgan_jax import checkpoints, inference, input_pipeline
from vidgan_jax.evaluation import metrics, protocol

FLAGS = flags.FLAGS
flags.DEFINE_string("data_dir", None, "TFDS data_dir (default: each run's config's).")


def factor_accuracy(model: inference.TrainedGenerator, prompt_sets) -> dict[str, float]:
  """{factor: share of the prompts whose bottleneck argmax is the class they name}."""
  prompts = [p for s in prompt_sets for p in s.prompts]
  labels = [label for s in prompt_sets for label in s.labels]
  tokens = jnp.asarray(model.tokenizer.encode(prompts))
  condition = model.generator.apply({"params": model.params}, tokens, method=model.generator.condition)
  accuracy = {}
  for i, factor in enumerate(model.config.factor_keys):
    logits = np.asarray(condition.factor_logits[f"factor_logits_{i}"])
    accuracy[factor] = float(np.mean(metrics.accuracy(logits, [label[factor] for label in labels])))
  return accuracy


def row(workdir: str) -> tuple[str, str]:
  """(its markdown row, the group names its cells follow)."""
  step_dir, model = checkpoints.read_newest(workdir, inference.load_generator)
  if not model.config.model.factor_bottleneck:
    raise app.UsageError(f"{workdir}: its generator has no factor bottleneck (model.factor_bottleneck=False)")
  builder = input_pipeline.load_builder(model.config.dataset, FLAGS.data_dir or model.config.data_dir)
  groups = protocol.read_protocol(builder, model.config.eval.prompts_per_pair, model.config.eval.seed).groups
  cells = []
  for group in groups:
    accuracy = factor_accuracy(model, group.prompt_sets)
    cells.append(", ".join(f"{factor} {value:.2f}" for factor, value in accuracy.items()))
  names = " | ".join(g.name for g in groups)
  return f"| {workdir} | {step_dir.name} | {' | '.join(cells)} |", names


def main(argv):
  logging.set_verbosity(logging.WARNING)
  if len(argv) < 2:
    raise app.UsageError("name at least one workdir")
  for i, workdir in enumerate(argv[1:]):
    line, names = row(workdir)
    if i == 0:
      print(f"| run | step | {names} |\n|" + "---|" * (2 + names.count("|") + 1))
    print(line, flush=True)


if __name__ == "__main__":
  sys.exit(app.run(main))
