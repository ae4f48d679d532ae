"""Input-pipeline clips/s at a config's clip shape, without building that config's whole dataset.

    python benchmarks/input_speed.py --config=experiments/paper.py \
        --tokenizer=workdirs/qs/tokenizer.json --data_dir=/tmp/input_bench

Builds an `action_scenes` train split of `--clips` clips at the config's frames x size (a small
stand-in for the 64px config's 18,500 clips: the cost per clip does not depend on how many there
are), then times the training iterator twice: uncached, as in a first epoch (PNG decoding), and
from the in-memory cache once it is full (`config.cache_dataset`, every later epoch). Both are
timed after the shuffle buffer has filled.
"""

import tensorflow as tf
from absl import app, flags
from ml_collections import config_flags

from tfds_builders.action_scenes.action_scenes_dataset_builder import ActionScenesConfig, Builder
from vidgan_jax import input_pipeline
from vidgan_jax.text import Tokenizer

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file: its clip shape, batch and shuffle buffer.")
flags.DEFINE_string("tokenizer", None, "A workdir's tokenizer.json.")
flags.DEFINE_string("data_dir", "/tmp/input_bench", "Where the stand-in split is built (reused when there).")
flags.DEFINE_integer("clips", 512, "Clips in the stand-in train split.", lower_bound=1)
flags.DEFINE_integer("batches", 40, "Timed batches per measurement.", lower_bound=1)
flags.mark_flags_as_required(["config", "tokenizer"])


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  tf.config.set_visible_devices([], "GPU")
  config = FLAGS.config
  shape = f"{config.frames}x{config.size}px"
  builder = Builder(
    config=ActionScenesConfig(
      name=f"input_bench_{shape}_{FLAGS.clips}",
      frames=config.frames,
      size=config.size,
      description="input-pipeline benchmark",
      split_sizes=(("train", FLAGS.clips),),
    ),
    data_dir=FLAGS.data_dir,
  )
  builder.download_and_prepare()
  with open(FLAGS.tokenizer) as f:
    tokenizer = Tokenizer.from_json(f.read())
  uncached, cached = (
    input_pipeline.clips_per_second(
      builder,
      tokenizer,
      input_pipeline.batch_layout(config.batch_size),
      split="train",
      label_key="pair",
      seed=config.seed,
      shuffle_buffer=config.shuffle_buffer,
      cache=cache,
      batches=FLAGS.batches,
    )
    for cache in (False, True)
  )
  print(
    f"{shape} clips, batch {config.batch_size}, shuffle buffer {config.shuffle_buffer}: "
    f"{uncached:.0f} clips/s uncached (first epoch), {cached:.0f} clips/s from the cache"
  )


if __name__ == "__main__":
  app.run(main)
