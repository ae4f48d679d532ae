"""How much the clips of one prompt differ, beside how much those of different prompts do.

    python -m benchmarks.model.prompt_spread --pretrained=action_scenes/32px [--workdir=DIR] [--num=8] [--seed=0]

Samples `--num` clips of each of six prompts (seen and held-out pairs, naming no colour or
direction) and prints the pixel standard deviation (in [-1, 1] units) among the clips of one prompt
(averaged over prompts) and among the prompts' mean clips: a generator that ignores its noise has
the first near 0 however much the second is.
"""

from absl import app, flags

from vidgan_jax.commands.common import load_model

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A training workdir (its newest checkpoint).")
flags.DEFINE_string("pretrained", None, "A shipped generator's name or an exported folder.")
flags.DEFINE_integer("num", 8, "Clips per prompt.", lower_bound=2)
flags.DEFINE_integer("seed", 0, "Sampling seed.")

PROMPTS = (
  "a man plays golf on the grass",
  "someone kitesurfs on the waves",
  "a person swims laps in the swimming pool",
  "a woman plays hockey on the ice rink",
  "a man plays golf in the swimming pool",
  "someone sails a boat across the snow",
)


def main(argv: list[str]) -> None:
  del argv
  model, source = load_model(FLAGS.workdir, None, FLAGS.pretrained)
  videos, _ = model.generate(list(PROMPTS), FLAGS.num, FLAGS.seed)  # [P, num, T, H, W, 3]
  within = float(videos.std(axis=1).mean())
  across = float(videos.mean(axis=1).std(axis=0).mean())
  print(
    f"{source} (step {model.step}): {len(PROMPTS)} prompts x {FLAGS.num} clips; pixel std within a prompt "
    f"{within:.3f}, across the prompts' mean clips {across:.3f}"
  )


if __name__ == "__main__":
  app.run(main)
