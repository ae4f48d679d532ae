"""TFDS clips to sharded numpy batches for the train step.

Each process reads its own disjoint slice of a split (`tfds.even_splits`), decodes, shuffles,
repeats and batches with tf.data, then on the host tokenizes the captions, picks a mismatched
caption for every clip (the discriminator's "real clip, wrong text" case) and reshapes every array
to `[local_devices, per_device_batch, ...]` for `jax.pmap`.
"""

import time
from collections.abc import Iterator

import tensorflow as tf
import tensorflow_datasets as tfds

from vidgan_jax.batch_layout import BatchLayout, batch_layout  # noqa: F401 (re-exported)
from vidgan_jax.batches import Batch, to_device_batch
from vidgan_jax.text import Tokenizer


def load_builder(dataset: str, data_dir: str | None) -> tfds.core.DatasetBuilder:
  """The TFDS builder for e.g. 'action_scenes/32px' (project builders are registered on import)."""
  # Importing the builder modules registers the project's builders with TFDS.
  from tfds_builders.action_scenes import action_scenes_dataset_builder  # noqa: F401
  from tfds_builders.text2video_real import text2video_real_dataset_builder  # noqa: F401

  return tfds.builder(dataset, data_dir=data_dir)


def read_captions(builder: tfds.core.DatasetBuilder, split: str) -> list[str]:
  """All captions of a split, in record order, without decoding any video."""
  ds = builder.as_dataset(split, shuffle_files=False, decoders={"video": tfds.decode.SkipDecoding()})
  return [c.decode() for c in ds.map(lambda x: x["caption"]).as_numpy_iterator()]


def process_slice(split: str, layout: BatchLayout) -> str:
  """The part of `split` that this process reads: one of process_count disjoint, equal slices."""
  return tfds.even_splits(split, n=layout.process_count, drop_remainder=True)[layout.process_index]


def decode_video(video: tf.Tensor) -> tf.Tensor:
  """uint8 clip -> float32 in [-1, 1], the range the generator produces (for evaluation; training
  batches stay uint8 up to the device, see `train_step.video_to_float`)."""
  return tf.cast(video, tf.float32) / 127.5 - 1.0


def create_split(
  builder: tfds.core.DatasetBuilder,
  split: str,
  layout: BatchLayout,
  *,
  label_key: str,
  train: bool,
  seed: int,
  shuffle_buffer: int,
  cache: bool,
) -> tf.data.Dataset:
  """This process's slice of `split` as batches of [layout.process_batch, ...] (videos uint8)."""
  split = process_slice(split, layout)
  read_config = tfds.ReadConfig(shuffle_seed=seed, try_autocache=False)
  ds = builder.as_dataset(split, shuffle_files=train, read_config=read_config)

  def select(example):
    return {"video": example["video"], "caption": example["caption"], "label": example[label_key]}

  ds = ds.map(select, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  if cache:
    ds = ds.cache()
  if train:
    ds = ds.repeat().shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
  ds = ds.batch(layout.process_batch, drop_remainder=train)
  return ds.prefetch(tf.data.AUTOTUNE)


def train_iterator(
  builder: tfds.core.DatasetBuilder,
  tokenizer: Tokenizer,
  layout: BatchLayout,
  *,
  split: str,
  label_key: str,
  seed: int,
  shuffle_buffer: int,
  cache: bool,
  start_batch: int = 0,
) -> Iterator[Batch]:
  """Endless sharded training batches; `seed` fixes the order of files and examples.

  `label_key` names the feature whose classes tell captions apart (a mismatched caption comes
  from another class): "pair" for action_scenes, "category" for text2video_real. The sequence of
  batches is a function of `seed` alone, so a run resumed at step s passes `start_batch=s` and
  sees exactly the batches an uninterrupted run would (skipping costs one pass over s batches,
  without the host-side work).
  """
  ds = create_split(
    builder, split, layout, label_key=label_key, train=True, seed=seed, shuffle_buffer=shuffle_buffer, cache=cache
  )
  for examples in ds.skip(start_batch).as_numpy_iterator():
    yield to_device_batch(examples, tokenizer, layout.local_devices)


class TfdsData:
  """The training split of a built TFDS dataset (`config.input="tfds"`), built first if missing."""

  def __init__(self, config):
    self.config = config
    self.builder = load_builder(config.dataset, config.data_dir)
    ensure_built(self.builder, config.build_if_missing)
    check_video_shape(self.builder, config.frames, config.size)

  def captions(self) -> list[str]:
    return read_captions(self.builder, self.config.train_split)

  def batches(self, tokenizer: Tokenizer, layout: BatchLayout, start_batch: int) -> Iterator[Batch]:
    c = self.config
    return train_iterator(
      self.builder,
      tokenizer,
      layout,
      split=c.train_split,
      label_key=c.label_key,
      seed=c.seed,
      shuffle_buffer=c.shuffle_buffer,
      cache=c.cache_dataset,
      start_batch=start_batch,
    )


def ensure_built(builder: tfds.core.DatasetBuilder, build_if_missing: bool) -> None:
  """Builds the dataset on first use, or explains how to build it."""
  if builder.is_prepared():
    return
  if not build_if_missing:
    manual = " --manual_dir=DIR" if builder.MANUAL_DOWNLOAD_INSTRUCTIONS else ""
    raise FileNotFoundError(
      f"dataset {builder.info.full_name} is not built in {builder.data_dir_root}; build it with "
      f"`vidgan build tfds_builders/{builder.name} --config={builder.builder_config.name} "
      f"--data_dir={builder.data_dir_root}{manual}` or set --config.build_if_missing=True"
    )
  builder.download_and_prepare()


def check_video_shape(builder: tfds.core.DatasetBuilder, frames: int, size: int) -> None:
  shape = tuple(builder.info.features["video"].shape)
  if shape[:3] != (frames, size, size):
    raise ValueError(
      f"dataset {builder.info.full_name} has clips of shape {shape}, but the config asks "
      f"for frames={frames}, size={size}: set config.frames/config.size to match"
    )


def clips_per_second(
  builder: tfds.core.DatasetBuilder,
  tokenizer: Tokenizer,
  layout: BatchLayout,
  *,
  split: str,
  label_key: str,
  seed: int,
  shuffle_buffer: int,
  cache: bool,
  batches: int,
) -> float:
  """Clips/s that `train_iterator` sustains (decoded, tokenized, sharded numpy batches).

  Timed after the shuffle buffer has filled, so that the figure is the steady rate, not the
  draining of clips decoded ahead. Uncached, that is the first epoch's decoding rate; cached, the
  split is also gone through once first, so that the figure is that of the later epochs.
  """
  iterator = train_iterator(
    builder, tokenizer, layout, split=split, label_key=label_key, seed=seed, shuffle_buffer=shuffle_buffer, cache=cache
  )
  warm_up = shuffle_buffer // layout.process_batch + 1
  if cache:
    warm_up += builder.info.splits[process_slice(split, layout)].num_examples // layout.process_batch
  for _ in range(warm_up):
    next(iterator)
  start = time.perf_counter()
  for _ in range(batches):
    next(iterator)
  return batches * layout.process_batch / (time.perf_counter() - start)
