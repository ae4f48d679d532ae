"""Host-side batch assembly shared by every input path (no TensorFlow, no TFDS): Grain batches
of this process's slice in a seeded order per epoch, tokenized captions, a mismatched caption per
clip for the discriminator, and arrays shaped for `jax.pmap`."""

import json
import os
from collections.abc import Sequence

import grain
import numpy as np
from absl import flags

from vidgan_jax.batch_layout import BatchLayout
from vidgan_jax.text import Tokenizer

Batch = dict[str, np.ndarray]


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


def worker_count(configured: int) -> int:
  """`config.input_workers` as a number of processes: -1 means one per core."""
  if configured < -1:
    raise ValueError(f"config.input_workers={configured}: use -1 (one per core), 0 (none) or a count")
  return (os.cpu_count() or 1) if configured == -1 else configured


def allow_grain_flags() -> None:
  """Grain reads absl flags of its own, which raise before flags are parsed (a library caller,
  not the `vidgan` command): their defaults are what we want."""
  if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()


def process_slice(num_examples: int, layout: BatchLayout) -> slice:
  """The examples this process trains on: one of process_count contiguous, equal, disjoint slices
  (the remainder is left out); ValueError if a slice cannot fill one batch."""
  per_process = num_examples // layout.process_count
  if per_process < layout.process_batch:
    raise ValueError(f"{per_process} clips per process cannot fill one batch of {layout.process_batch}")
  start = layout.process_index * per_process
  return slice(start, start + per_process)


def process_batches(examples: Sequence[dict], layout: BatchLayout, *, seed: int) -> grain.MapDataset:
  """This process's endless batches [layout.process_batch, ...] of its slice of `examples`, in a new
  seeded order every epoch; batches may span epochs."""
  mine = grain.MapDataset.source(examples)[process_slice(len(examples), layout)]
  return mine.seed(seed).shuffle().repeat().batch(layout.process_batch, drop_remainder=True)


class BatchIterator:
  """Sharded training batches [devices, b, ...] from a Grain iterator of process batches, with the
  iterator's position as JSON bytes (`get_state`/`set_state`, as `grain.checkpoint` saves it)."""

  def __init__(self, dataset: grain.IterDataset, tokenizer: Tokenizer, local_devices: int):
    self._iterator = iter(dataset)
    self._tokenizer = tokenizer
    self._local_devices = local_devices

  def __iter__(self):
    return self

  def __next__(self) -> Batch:
    return to_device_batch(next(self._iterator), self._tokenizer, self._local_devices)

  def get_state(self) -> bytes:
    return json.dumps(self._iterator.get_state()).encode()

  def set_state(self, state: bytes) -> None:
    self._iterator.set_state(json.loads(state))

  def start_prefetch(self) -> None:
    """Called by grain's checkpoint handler after a restore; worker processes start on first use."""


# How every Grain pipeline here reads its MapDataset. More threads do not read faster (ArrayRecord's
# reads hold the GIL: 2 and 4 threads measured no faster than 1); two keep a batch ahead while the
# consumer (a train step, a classifier step) runs.
READ_OPTIONS = grain.ReadOptions(num_threads=2, prefetch_buffer_size=2)


def train_iterator(
  examples: Sequence[dict], tokenizer: Tokenizer, layout: BatchLayout, *, seed: int, workers: int
) -> BatchIterator:
  """Endless sharded training batches of `examples` (dicts with video, caption and label).

  `workers` worker processes read and decode (`mp_prefetch`; -1: one per core); with 0, this
  process reads, on background threads that prepare the next batches while a step runs.
  """
  allow_grain_flags()
  dataset = process_batches(examples, layout, seed=seed).to_iter_dataset(READ_OPTIONS)
  workers = worker_count(workers)
  if workers:
    dataset = dataset.mp_prefetch(grain.MultiprocessingOptions(num_workers=workers))
  return BatchIterator(dataset, tokenizer, layout.local_devices)
