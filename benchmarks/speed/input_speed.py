"""Input-pipeline clips/s at a config's clip shape, without building that config's whole dataset.

    python benchmarks/speed/input_speed.py --config=experiments/paper.py --data_dir=/tmp/input_bench

Builds an `action_scenes` train split of `--clips` clips at the config's frames x size (ArrayRecord,
as `vidgan build` writes it; a small stand-in for the 64px config's 10,000 training clips: the cost
per clip does not depend on how many there are), then times the training iterator at the config's
batch: in this process (`--config.input_workers=0`) and with 1, 2, ... worker processes up to
`--max_workers`. Every clip is read from disk and decoded each time (first-epoch conditions: there
is no cache). Also times bare record reads (`data_source[i]`, one thread), the floor of one core.
"""

import os
import time

from absl import app, flags
from ml_collections import config_flags

from vidgan_jax import input_pipeline
from vidgan_jax.datasets.action_scenes.action_scenes_dataset_builder import ActionScenesConfig, Builder
from vidgan_jax.text import Tokenizer

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file: its clip shape and batch.")
flags.DEFINE_string("data_dir", "/tmp/input_bench", "Where the stand-in split is built (reused when there).")
flags.DEFINE_integer("clips", 1024, "Clips in the stand-in train split.", lower_bound=1)
flags.DEFINE_integer("batches", 30, "Timed batches per measurement.", lower_bound=1)
flags.DEFINE_integer("max_workers", os.cpu_count() or 1, "Most worker processes to time.", lower_bound=0)
flags.mark_flags_as_required(["config"])


def bare_reads_per_second(examples, count: int) -> float:
  start = time.perf_counter()
  for i in range(count):
    examples[i % len(examples)]
  return count / (time.perf_counter() - start)


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
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
    file_format=input_pipeline.FILE_FORMAT,
  )
  builder.download_and_prepare()
  tokenizer = Tokenizer.for_config(input_pipeline.read_captions(builder, "train"), config.text)
  layout = input_pipeline.BatchLayout(config.batch_size, 1, 1)
  megabytes = sum(os.path.getsize(f) for f in builder.data_path.glob("*.array_record*")) / 2**20
  print(f"{shape} clips, batch {config.batch_size}, {FLAGS.clips} clips in {megabytes:.0f} MB on disk")
  examples = input_pipeline.open_split(builder, "train")
  bare_reads_per_second(examples, 64)
  print(f"bare reads (one thread): {bare_reads_per_second(examples, 512):.0f} clips/s")
  for workers in range(FLAGS.max_workers + 1):
    batches = input_pipeline.split_batches(
      builder, tokenizer, layout, split="train", label_key="pair", seed=0, workers=workers
    )
    rate = input_pipeline.clips_per_second(batches, layout.process_batch, batches=FLAGS.batches)
    where = "in this process" if workers == 0 else f"{workers} worker process(es)"
    print(f"training batches, {where}: {rate:.0f} clips/s")


if __name__ == "__main__":
  app.run(main)
