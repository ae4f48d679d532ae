"""Host-side batch assembly shared by every input path (no TensorFlow): tokenized captions, a
mismatched caption per clip for the discriminator, and arrays shaped for `jax.pmap`."""

import numpy as np

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
