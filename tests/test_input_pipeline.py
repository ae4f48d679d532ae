"""Batches for pmap: shapes on 8 fake devices, value range, mismatched captions, divisibility."""

import jax
import numpy as np
import pytest

from vidgan_jax import batches, input_pipeline
from vidgan_jax.text import Tokenizer


def test_eight_fake_devices_are_visible():
  assert jax.device_count() == 8


def test_batch_layout_rejects_an_indivisible_batch():
  with pytest.raises(ValueError, match=r"batch_size=12 is not divisible by the 8 devices.*batch_size=16"):
    input_pipeline.batch_layout(12)
  with pytest.raises(ValueError, match="positive"):
    input_pipeline.batch_layout(0)
  layout = input_pipeline.batch_layout(16)
  assert (layout.process_batch, layout.device_batch, layout.local_devices) == (16, 2, 8)


def test_mismatch_partners_pick_another_pair():
  pair = np.array([3, 3, 5, 3, 7, 7])
  partners, valid = batches.mismatch_partners(pair)
  assert (pair[partners] != pair).all() and valid.all()
  np.testing.assert_array_equal(partners, [2, 2, 3, 4, 0, 0])  # The nearest next one.
  partners, valid = batches.mismatch_partners(np.array([4, 4, 4]))
  assert not valid.any()


def test_train_iterator_shapes_and_values(tiny_config):
  builder = input_pipeline.load_builder(tiny_config.dataset, tiny_config.data_dir)
  tokenizer = Tokenizer.train(input_pipeline.read_captions(builder, "train"), 512, 24)
  layout = input_pipeline.batch_layout(16)
  batches = input_pipeline.train_iterator(
    builder, tokenizer, layout, split="train", label_key="pair", seed=0, shuffle_buffer=64, cache=False
  )
  batch = next(batches)
  assert batch["video"].shape == (8, 2, 8, 16, 16, 3) and batch["video"].dtype == np.uint8
  assert batch["video"].min() < batch["video"].max()
  assert batch["tokens"].shape == batch["mismatch_tokens"].shape == (8, 2, 24)
  assert batch["mismatch_valid"].shape == (8, 2)
  assert (batch["tokens"] != batch["mismatch_tokens"]).any(axis=-1).all()
  second = next(batches)
  assert not np.array_equal(batch["video"], second["video"])


def test_same_seed_same_batches(tiny_config):
  builder = input_pipeline.load_builder(tiny_config.dataset, tiny_config.data_dir)
  tokenizer = Tokenizer.train(input_pipeline.read_captions(builder, "train"), 512, 24)
  layout = input_pipeline.batch_layout(8)

  def first_batch(seed):
    return next(
      input_pipeline.train_iterator(
        builder, tokenizer, layout, split="train", label_key="pair", seed=seed, shuffle_buffer=64, cache=False
      )
    )["video"]

  np.testing.assert_array_equal(first_batch(3), first_batch(3))
  assert not np.array_equal(first_batch(3), first_batch(4))


def test_resuming_at_a_batch_gives_the_same_batches(tiny_config):
  builder = input_pipeline.load_builder(tiny_config.dataset, tiny_config.data_dir)
  tokenizer = Tokenizer.train(input_pipeline.read_captions(builder, "train"), 512, 24)
  layout = input_pipeline.batch_layout(8)

  def batches(start):
    return input_pipeline.train_iterator(
      builder,
      tokenizer,
      layout,
      split="train",
      label_key="pair",
      seed=5,
      shuffle_buffer=64,
      cache=True,
      start_batch=start,
    )

  straight = batches(0)
  expected = [next(straight) for _ in range(15)][12:]  # Past the 10-batch epoch: reshuffled.
  resumed = batches(12)
  for batch in expected:
    got = next(resumed)
    for key in batch:
      np.testing.assert_array_equal(got[key], batch[key])
