"""Which of a layered generator's streams draws what: the evaluation classifier's accuracy on the
clips, on the background stream alone and on the foreground alone, per group of prompts.

    python benchmarks/model/stream_actions.py workdirs/rows/proxy-hard_mismatch_stage_factors_words-s1 \
        [more workdirs] [--data_dir=data] [--num_per_prompt=4] [--grid_dir=DIR]

With `model.layered`, the refine stage paints a foreground (agent) stream over a background
stream with an alpha mask. If the foreground alone (alpha x foreground, on black) shows a
held-out pair's action and the clip does not, the agent is drawn but lost in the composite; if
the background alone shows an action, the background stream paints agents too
(docs/results.md). Plain accuracies, not ratios of the ceiling. Prints one markdown row per
workdir and group (the newest checkpoint of each). With --grid_dir, also writes
DIR/<run>-<group>.gif: a row per prompt set (its first clip), the columns clip, background stream,
alpha x foreground and alpha.
"""

import pathlib
import sys

import numpy as np
from absl import app, flags, logging

from vidgan_jax import checkpoints, inference, input_pipeline, sampling, video_io
from vidgan_jax.evaluation import classifier, evaluate, metrics, protocol
from vidgan_jax.models import Generator, sown_streams

FLAGS = flags.FLAGS
flags.DEFINE_string("data_dir", None, "TFDS data_dir (default: each run's config's).")
flags.DEFINE_integer("num_per_prompt", 4, "Clips per prompt.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Noise seed of the clips.")
flags.DEFINE_string("grid_dir", None, "Where to write a GIF of the streams per run and group (default: none).")

HEADS = ("action", "scene")  # The factors the streams split between them (experiments/variants.py).
HEADER = (
  "| run | step | group | mean alpha | clip: action, scene | background alone: action, scene "
  "| foreground alone: action, scene |"
)


def streams(model: inference.TrainedGenerator, prompts: list[str], num: int, seed: int) -> dict[str, np.ndarray]:
  """{"clip", "background", "foreground"}: [P * num, T, H, W, 3] in [-1, 1] (the foreground times
  its alpha, on black), and "alpha" [P * num, T, H, W, 1]."""
  tokens, z_noise, video_noise = sampling.inputs(model.tokenizer, prompts, num, seed, model.config)
  out, state = model.generator.apply(
    {"params": model.params}, tokens, z_noise, video_noise, method=Generator.sample, mutable=["intermediates"]
  )
  sown = sown_streams(state)
  alpha = out["foreground_alpha"]
  return {
    "clip": np.asarray(out["video"]),
    "background": np.asarray(sown["background"]),
    "foreground": np.asarray(alpha * sown["foreground"]),
    "alpha": np.asarray(alpha),
  }


def write_grid(path: pathlib.Path, layers: dict[str, np.ndarray], first: np.ndarray) -> None:
  """A row per prompt set, the clip at index `first` [sets]: clip, background, alpha x foreground, alpha."""
  columns = [layers["clip"][first], layers["background"][first], layers["foreground"][first]]
  columns.append(np.broadcast_to(layers["alpha"][first] * 2 - 1, columns[0].shape))
  videos = video_io.to_uint8(np.stack(columns, axis=1))  # [sets, 4, T, H, W, 3]
  video_io.write_gif(path, video_io.upscale(video_io.grid(videos), 4))


def group_row(model, scorer: evaluate.Scorer, group: protocol.Group, grid: pathlib.Path | None) -> str:
  """The cells of one group: mean alpha, then per stream the accuracy of each of HEADS."""
  prompts = [p for s in group.prompt_sets for p in s.prompts]
  labels = [label for s in group.prompt_sets for label in s.labels]
  layers = streams(model, prompts, FLAGS.num_per_prompt, FLAGS.seed)
  if grid is not None:
    clips_per_set = [FLAGS.num_per_prompt * len(s.prompts) for s in group.prompt_sets]
    write_grid(grid, layers, np.cumsum([0] + clips_per_set[:-1]))
  repeated = {h: np.repeat([label[h] for label in labels], FLAGS.num_per_prompt) for h in HEADS}
  cells = [f"{layers['alpha'].mean():.2f}"]
  for name in ("clip", "background", "foreground"):
    scores = scorer(layers[name], repeated, np.zeros(len(layers[name]), np.int64))
    cells.append(", ".join(f"{np.mean(metrics.accuracy(scores.logits[h], repeated[h])):.2f}" for h in HEADS))
  return " | ".join(cells)


def rows(workdir: str) -> list[str]:
  step_dir, model = checkpoints.read_newest(workdir, inference.load_generator)
  if not model.config.model.layered:
    raise app.UsageError(f"{workdir}: its generator has one stream (model.layered=False)")
  builder = input_pipeline.load_builder(model.config.dataset, FLAGS.data_dir or model.config.data_dir)
  dataset_protocol = protocol.read_protocol(builder, model.config.eval.prompts_per_pair, model.config.eval.seed)
  missing = set(HEADS) - set(dict(dataset_protocol.heads))
  if missing:
    raise app.UsageError(f"{workdir}: its dataset's evaluation has no {', '.join(sorted(missing))} head")
  trained = classifier.load_or_train(builder, model.config.eval.classifier, dataset_protocol)
  scorer = evaluate.Scorer(trained, model.config.eval.batch_size)
  lines = []
  for group in dataset_protocol.groups:
    grid = (
      None
      if FLAGS.grid_dir is None
      else pathlib.Path(FLAGS.grid_dir) / f"{pathlib.Path(workdir).name}-{group.name}.gif"
    )
    lines.append(f"| {workdir} | {step_dir.name} | {group.name} | {group_row(model, scorer, group, grid)} |")
  return lines


def main(argv):
  logging.set_verbosity(logging.WARNING)
  if len(argv) < 2:
    raise app.UsageError("name at least one workdir")
  print(HEADER + "\n|" + "---|" * (HEADER.count("|") - 1))
  for workdir in argv[1:]:
    print("\n".join(rows(workdir)), flush=True)


if __name__ == "__main__":
  sys.exit(app.run(main))
