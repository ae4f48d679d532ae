"""Per action: the evaluation classifier's ceiling on real clips of it, how often the generated
clips of prompts naming it are called it (seen and held-out pairs), and what they are called
instead; a GIF with, per action, a real clip beside generated ones.

    python -m benchmarks.model.per_action --pretrained=action_scenes/32px \
        [--workdir=DIR] [--data_dir=data] [--num_per_pair=16] [--grid=per_action.gif]

The headline action ratio of `vidgan eval` is one number over all actions; this splits it, to
tell an action the classifier cannot see at this size (a low ceiling) from one the generator
does not draw (a high ceiling, a low generated accuracy), and shows what is drawn instead. Prints
one markdown table; the clips are those of `vidgan eval` (its noise seeds), the real ones those of
each group's split.
"""

import collections
import sys

import numpy as np
from absl import app, flags, logging

from vidgan_jax import input_pipeline, video_io
from vidgan_jax.commands.common import load_model
from vidgan_jax.evaluation import classifier, evaluate, metrics, protocol

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A training workdir (its newest checkpoint).")
flags.DEFINE_string("pretrained", None, "A shipped generator, e.g. action_scenes/32px.")
flags.DEFINE_string("data_dir", None, "TFDS data_dir (default: the generator's config's).")
flags.DEFINE_integer("num_per_pair", None, "Clips per prompt set (default: the config's eval.num_per_pair).")
flags.DEFINE_string("grid", None, "Where to write the GIF: per action a real clip, then generated ones.")

HEAD = "action"
GENERATED_IN_GRID = 3


def first_real_clips(builder, split: str, batch_size: int) -> dict[int, np.ndarray]:
  """action -> the first clip of `split` showing it, [T, H, W, 3] in [-1, 1]."""
  firsts = {}
  for batch in input_pipeline.ordered_batches(builder, split, batch_size, ("video", HEAD)):
    for video, action in zip(batch["video"], batch[HEAD]):
      firsts.setdefault(int(action), input_pipeline.clip_to_float(video))
  return firsts


def per_action(scores: evaluate.ClipScores) -> dict[int, tuple[float, int, collections.Counter]]:
  """action -> (accuracy, clip count, Counter of the classes the clips were called)."""
  called = np.argmax(scores.logits[HEAD], -1)
  result = {}
  for action in np.unique(scores.labels[HEAD]):
    if action == protocol.UNKNOWN:
      continue
    mine = scores.labels[HEAD] == action
    right = metrics.accuracy(scores.logits[HEAD][mine], scores.labels[HEAD][mine])
    result[int(action)] = (float(np.mean(right)), int(mine.sum()), collections.Counter(called[mine].tolist()))
  return result


def called_instead(counts: collections.Counter, action: int, names: list[str]) -> str:
  wrong = [(n, c) for c, n in counts.items() if c != action]
  total = sum(counts.values())
  return ", ".join(f"{names[c]} {n / total:.2f}" for n, c in sorted(wrong, reverse=True)[:2]) or "-"


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  model, source = load_model(FLAGS.workdir, None, FLAGS.pretrained)
  config = model.config.eval
  if FLAGS.num_per_pair is not None:
    config.num_per_pair = FLAGS.num_per_pair
  builder = input_pipeline.load_builder(model.config.dataset, FLAGS.data_dir or model.config.data_dir)
  dataset_protocol = protocol.read_protocol(builder, config.prompts_per_pair, config.seed)
  if HEAD not in dataset_protocol.head_names:
    raise app.UsageError(f"{builder.info.full_name}'s evaluation has no {HEAD!r} head")
  names = list(builder.info.features[HEAD].names)
  scorer = evaluate.Scorer(classifier.load_or_train(builder, config.classifier, dataset_protocol), config.batch_size)

  def generate(prompts, num, seed):
    return model.generate(prompts, num, seed)[0]

  real, generated, examples = {}, {}, {}
  for group in dataset_protocol.groups:
    real[group.name] = per_action(evaluate.score_real(scorer, builder, group.split, dataset_protocol))
    sets = evaluate.score_generated(scorer, generate, group, dataset_protocol, config, GENERATED_IN_GRID)
    generated[group.name] = per_action(evaluate.ClipScores.concatenate([s.scores for s in sets]))
    for s in sets:
      examples.setdefault(int(s.scores.labels[HEAD][0]), s.videos)
  groups = [g.name for g in dataset_protocol.groups]
  print(f"{FLAGS.pretrained or source}, step {model.step}, {config.num_per_pair} clips per prompt set\n")
  header = ["action"] + [f"real ({g})" for g in groups] + [f"generated ({g})" for g in groups]
  header += [f"called instead ({g})" for g in groups]
  print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
  for action, name in enumerate(names):
    cells = [name]
    cells += [f"{real[g][action][0]:.2f}" if action in real[g] else "-" for g in groups]
    cells += [
      f"{generated[g][action][0]:.2f} ({generated[g][action][1]})" if action in generated[g] else "-" for g in groups
    ]
    cells += [called_instead(generated[g][action][2], action, names) if action in generated[g] else "-" for g in groups]
    print("| " + " | ".join(cells) + " |")
  if FLAGS.grid:
    firsts = first_real_clips(builder, dataset_protocol.groups[0].split, config.batch_size)
    rows = [np.concatenate([firsts[a][None], examples[a]]) for a in sorted(examples) if a in firsts]
    video_io.write_gif(FLAGS.grid, video_io.upscale(video_io.grid(video_io.to_uint8(np.stack(rows))), 2))
    print(f"\nwrote {FLAGS.grid}: per action (rows, in class order), a real clip, then generated ones")


if __name__ == "__main__":
  sys.exit(app.run(main))
