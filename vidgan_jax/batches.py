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
from vidgan_jax.processes import die_with_parent
from vidgan_jax.text import Tokenizer

Batch = dict[str, np.ndarray]


# How the discriminator's mismatched caption is chosen (`config.mismatch`): "other_pair", the
# caption of another example showing a different pair; "one_factor", preferably one that differs
# in exactly one factor (same scene, another action; or same action, another scene), so that the
# discriminator must check each factor and not only the most visible one.
MISMATCH_POLICIES = ("other_pair", "one_factor")


def mismatch_partners(pair_ids: np.ndarray, factors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
  """For each example, the nearest other example (cyclically after it) showing a different pair;
  with `factors` [N, F], preferably the nearest whose factors differ in exactly one place.

  Partners come from the batch, so their captions are of training pairs. Returns (partner index
  [N], valid [N] float32): valid is 0 where the whole batch shows one pair, so that no partner
  with a different caption exists and the example must not count as mismatched.
  """
  n = len(pair_ids)
  index = np.arange(n)
  partners, rank = index.copy(), np.zeros(n, int)  # rank 0: none yet; 1: another pair; 2: one factor.
  for shift in range(1, n):  # Ascending: the nearest candidate of the best rank wins.
    candidate = (index + shift) % n
    candidate_rank = (pair_ids[candidate] != pair_ids).astype(int)
    if factors is not None:
      one_factor = (factors[candidate] != factors).sum(axis=-1) == 1
      candidate_rank = np.where(one_factor & (candidate_rank > 0), 2, candidate_rank)
    better = candidate_rank > rank
    partners, rank = np.where(better, candidate, partners), np.maximum(rank, candidate_rank)
  return partners, (rank > 0).astype(np.float32)


def to_device_batch(examples: dict, tokenizer: Tokenizer, local_devices: int, mismatch: str = "other_pair") -> Batch:
  """Tokenizes captions, adds mismatched captions (and factor labels, if the examples carry
  "factors" [N, F]) and shards: every array [devices, b, ...]. `mismatch`: one of MISMATCH_POLICIES."""
  captions = [c.decode() for c in examples["caption"]]
  tokens = tokenizer.encode(captions)
  factors = examples.get("factors")
  if mismatch == "one_factor" and factors is None:
    raise ValueError("config.mismatch='one_factor' needs the caption's factors: set config.factor_keys")
  partners, valid = mismatch_partners(examples["label"], factors if mismatch == "one_factor" else None)
  batch = {
    "video": examples["video"],
    "tokens": tokens,
    "mismatch_tokens": tokens[partners],
    "mismatch_valid": valid,
  }
  if factors is not None:
    batch["factors"] = factors.astype(np.int32)
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


def process_batches(
  examples: Sequence[dict], layout: BatchLayout, *, seed: int, start_example: int = 0
) -> grain.MapDataset:
  """This process's endless batches [layout.process_batch, ...] of its slice of `examples`, in a new
  seeded order every epoch; batches may span epochs. The batches cut one stream of examples that
  depends on the seed alone: `start_example` starts them that far into it (a run resumed with
  another batch size reads on from the example where it stopped)."""
  mine = grain.MapDataset.source(examples)[process_slice(len(examples), layout)]
  stream = mine.seed(seed).shuffle().repeat()
  return stream[start_example:].batch(layout.process_batch, drop_remainder=True)


class BatchIterator:
  """Sharded training batches [devices, b, ...] from a Grain iterator of process batches, with the
  iterator's position as JSON bytes (`get_state`/`set_state`, as `grain.checkpoint` saves it)."""

  def __init__(self, dataset: grain.IterDataset, tokenizer: Tokenizer, local_devices: int, mismatch: str):
    if mismatch not in MISMATCH_POLICIES:  # Once per iterator, not per batch.
      raise ValueError(f"config.mismatch={mismatch!r} is not one of {MISMATCH_POLICIES}")
    self._iterator = iter(dataset)
    self._tokenizer = tokenizer
    self._local_devices = local_devices
    self._mismatch = mismatch

  def __iter__(self):
    return self

  def __next__(self) -> Batch:
    return to_device_batch(next(self._iterator), self._tokenizer, self._local_devices, self._mismatch)

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
  examples: Sequence[dict],
  tokenizer: Tokenizer,
  layout: BatchLayout,
  *,
  seed: int,
  workers: int,
  mismatch: str = "other_pair",
  start_example: int = 0,
) -> BatchIterator:
  """Endless sharded training batches of `examples` (dicts with video, caption, label and
  optionally factors), with mismatched captions chosen by `mismatch` (MISMATCH_POLICIES).

  `workers` worker processes read and decode (`mp_prefetch`; -1: one per core); with 0, this
  process reads, on background threads that prepare the next batches while a step runs.
  """
  allow_grain_flags()
  dataset = process_batches(examples, layout, seed=seed, start_example=start_example).to_iter_dataset(READ_OPTIONS)
  workers = worker_count(workers)
  if workers:
    dataset = dataset.mp_prefetch(grain.MultiprocessingOptions(num_workers=workers), worker_init_fn=die_with_parent)
  return BatchIterator(dataset, tokenizer, layout.local_devices, mismatch)
