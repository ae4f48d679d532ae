"""TFDS clips to sharded numpy batches for the train step.

Each process reads its own disjoint slice of a split (`tfds.even_splits`), decodes, shuffles,
repeats and batches with tf.data, then on the host tokenizes the captions, picks a mismatched
caption for every clip (the discriminator's "real clip, wrong text" case) and reshapes every array
to `[local_devices, per_device_batch, ...]` for `jax.pmap`.
"""

import time
from collections.abc import Iterator

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from vidgan_jax.batch_layout import BatchLayout, batch_layout  # noqa: F401 (re-exported)
from vidgan_jax.text import Tokenizer

Batch = dict[str, np.ndarray]


def load_builder(dataset: str, data_dir: str | None) -> tfds.core.DatasetBuilder:
  """The TFDS builder for e.g. 'action_scenes/32px' (project builders are registered on import)."""
  import tfds_builders  # noqa: F401  (registers the project's builders with TFDS)
  return tfds.builder(dataset, data_dir=data_dir)


def read_captions(builder: tfds.core.DatasetBuilder, split: str) -> list[str]:
  """All captions of a split, in record order, without decoding any video."""
  ds = builder.as_dataset(split, shuffle_files=False,
                          decoders={"video": tfds.decode.SkipDecoding()})
  return [c.decode() for c in ds.map(lambda x: x["caption"]).as_numpy_iterator()]


def mismatch_partners(pair_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """For each example, the nearest other example (cyclically after it) showing a different pair.

  Returns (partner index [N], valid [N] float32): valid is 0 where the whole batch shows one pair,
  so that no partner with a different caption exists and the example must not count as mismatched.
  """
  n = len(pair_ids)
  index = np.arange(n)
  partners, valid = index.copy(), np.zeros(n, bool)
  for shift in range(n - 1, 0, -1):  # Descending, so the smallest valid shift is written last.
    candidate = (index + shift) % n
    differs = pair_ids[candidate] != pair_ids
    partners = np.where(differs, candidate, partners)
    valid |= differs
  return partners, valid.astype(np.float32)


def process_slice(split: str, layout: BatchLayout) -> str:
  """The part of `split` that this process reads: one of process_count disjoint, equal slices."""
  return tfds.even_splits(split, n=layout.process_count, drop_remainder=True)[layout.process_index]


def decode_video(video: tf.Tensor) -> tf.Tensor:
  """uint8 clip -> float32 in [-1, 1], the range the generator produces (for evaluation; training
  batches stay uint8 up to the device, see `train_step.video_to_float`)."""
  return tf.cast(video, tf.float32) / 127.5 - 1.0


def create_split(builder: tfds.core.DatasetBuilder, split: str, layout: BatchLayout, *, label_key: str,
                 train: bool, seed: int, shuffle_buffer: int, cache: bool) -> tf.data.Dataset:
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


def to_device_batch(examples: dict, tokenizer: Tokenizer, local_devices: int) -> Batch:
  """Tokenizes captions, adds mismatched captions and shards: every array [devices, b, ...]."""
  captions = [c.decode() for c in examples["caption"]]
  tokens = tokenizer.encode(captions)
  partners, valid = mismatch_partners(examples["label"])
  batch = {
      "video": examples["video"],
      "tokens": tokens,
      "mismatch_tokens": tokens[partners],
      "mismatch_valid": valid,
  }
  return {k: v.reshape((local_devices, -1) + v.shape[1:]) for k, v in batch.items()}


def train_iterator(builder: tfds.core.DatasetBuilder, tokenizer: Tokenizer, layout: BatchLayout, *,
                   split: str, label_key: str, seed: int, shuffle_buffer: int, cache: bool,
                   start_batch: int = 0) -> Iterator[Batch]:
  """Endless sharded training batches; `seed` fixes the order of files and examples.

  `label_key` names the feature whose classes tell captions apart (a mismatched caption comes
  from another class): "pair" for action_scenes, "category" for text2video_real. The sequence of
  batches is a function of `seed` alone, so a run resumed at step s passes `start_batch=s` and
  sees exactly the batches an uninterrupted run would (skipping costs one pass over s batches,
  without the host-side work).
  """
  ds = create_split(builder, split, layout, label_key=label_key, train=True, seed=seed,
                    shuffle_buffer=shuffle_buffer, cache=cache)
  for examples in ds.skip(start_batch).as_numpy_iterator():
    yield to_device_batch(examples, tokenizer, layout.local_devices)


def ensure_built(builder: tfds.core.DatasetBuilder, build_if_missing: bool) -> None:
  """Builds the dataset on first use, or explains how to build it."""
  if builder.is_prepared():
    return
  if not build_if_missing:
    manual = " --manual_dir=DIR" if builder.MANUAL_DOWNLOAD_INSTRUCTIONS else ""
    raise FileNotFoundError(
        f"dataset {builder.info.full_name} is not built in {builder.data_dir_root}; build it with "
        f"`vidgan build tfds_builders/{builder.name} --config={builder.builder_config.name} "
        f"--data_dir={builder.data_dir_root}{manual}` or set --config.build_if_missing=True")
  builder.download_and_prepare()


def check_video_shape(builder: tfds.core.DatasetBuilder, frames: int, size: int) -> None:
  shape = tuple(builder.info.features["video"].shape)
  if shape[:3] != (frames, size, size):
    raise ValueError(f"dataset {builder.info.full_name} has clips of shape {shape}, but the config asks "
                     f"for frames={frames}, size={size}: set config.frames/config.size to match")


def clips_per_second(builder: tfds.core.DatasetBuilder, tokenizer: Tokenizer, layout: BatchLayout, *,
                     split: str, label_key: str, seed: int, shuffle_buffer: int, cache: bool,
                     batches: int) -> float:
  """Clips/s that `train_iterator` sustains (decoded, tokenized, sharded numpy batches).

  Timed after the shuffle buffer has filled, so that the figure is the steady rate, not the
  draining of clips decoded ahead. Uncached, that is the first epoch's decoding rate; cached, the
  split is also gone through once first, so that the figure is that of the later epochs.
  """
  iterator = train_iterator(builder, tokenizer, layout, split=split, label_key=label_key, seed=seed,
                            shuffle_buffer=shuffle_buffer, cache=cache)
  warm_up = shuffle_buffer // layout.process_batch + 1
  if cache:
    warm_up += builder.info.splits[process_slice(split, layout)].num_examples // layout.process_batch
  for _ in range(warm_up):
    next(iterator)
  start = time.perf_counter()
  for _ in range(batches):
    next(iterator)
  return batches * layout.process_batch / (time.perf_counter() - start)
