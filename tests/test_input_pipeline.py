"""Batches for pmap from a built dataset: shapes, mismatched captions, divisibility, seeded order,
exact positions, per-process slices, worker processes, and builds that cannot be read."""

import json
import os
import shutil

import jax
import numpy as np
import pytest

from vidgan_jax import batches, input_pipeline
from vidgan_jax.batch_layout import BatchLayout
from vidgan_jax.text import Tokenizer


@pytest.mark.fast
def test_eight_fake_devices_are_visible():
  assert jax.device_count() == 8


@pytest.mark.fast
def test_batch_layout_rejects_an_indivisible_batch():
  with pytest.raises(ValueError, match=r"batch_size=12 is not divisible by the 8 devices.*batch_size=16"):
    input_pipeline.batch_layout(12)
  with pytest.raises(ValueError, match="positive"):
    input_pipeline.batch_layout(0)
  layout = input_pipeline.batch_layout(16)
  assert (layout.process_batch, layout.device_batch, layout.local_devices) == (16, 2, 8)


@pytest.mark.fast
def test_mismatch_partners_pick_another_pair():
  pair = np.array([3, 3, 5, 3, 7, 7])
  partners, valid = batches.mismatch_partners(pair)
  assert (pair[partners] != pair).all() and valid.all()
  np.testing.assert_array_equal(partners, [2, 2, 3, 4, 0, 0])  # The nearest next one.
  partners, valid = batches.mismatch_partners(np.array([4, 4, 4]))
  assert not valid.any()


@pytest.mark.fast
def test_one_factor_mismatches_share_the_other_factor():
  # (action, scene): golf-grass, golf-grass, football-grass, swim-pool, golf-road.
  factors = np.array([[0, 0], [0, 0], [1, 0], [2, 3], [0, 5]])
  pair = factors[:, 0] * 10 + factors[:, 1]
  partners, valid = batches.mismatch_partners(pair, factors)
  assert valid.all()
  # Each takes the nearest one differing in exactly one factor; swim-pool differs from every
  # other in both, so it falls back to the nearest other pair.
  np.testing.assert_array_equal(partners, [2, 2, 0, 4, 0])
  assert ((factors[partners] != factors).sum(-1)[[0, 1, 2, 4]] == 1).all()


@pytest.mark.fast
def test_device_batches_carry_factors_and_refuse_one_factor_without_them():
  tokenizer = Tokenizer.train(["a man plays golf", "someone swims"], 300, 8)
  examples = {
    "video": np.zeros((4, 1, 1, 1, 3), np.uint8),
    "caption": np.array([b"a man plays golf", b"someone swims"] * 2, dtype=object),
    "label": np.array([0, 1, 0, 1]),
  }
  with pytest.raises(ValueError, match="one_factor' needs the caption's factors: set config.factor_keys"):
    batches.to_device_batch(examples, tokenizer, 2, "one_factor")
  examples["factors"] = np.array([[0, 0], [1, 1], [0, 0], [1, 1]])
  batch = batches.to_device_batch(examples, tokenizer, 2, "one_factor")
  assert batch["factors"].shape == (2, 2, 2)
  np.testing.assert_array_equal(batch["mismatch_tokens"].reshape(4, -1), batch["tokens"].reshape(4, -1)[[1, 0, 1, 0]])


@pytest.fixture(scope="module")
def built(tiny_data_dir):
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  return builder, Tokenizer.train(input_pipeline.read_captions(builder, "train"), 512, 24)


def _batches(built, layout, seed=0, workers=0):
  builder, tokenizer = built
  return input_pipeline.split_batches(
    builder, tokenizer, layout, split="train", label_key="pair", seed=seed, workers=workers
  )


def test_batches_shapes_and_values(built):
  batches = _batches(built, input_pipeline.batch_layout(16))
  batch = next(batches)
  assert batch["video"].shape == (8, 2, 8, 16, 16, 3) and batch["video"].dtype == np.uint8
  assert batch["video"].min() < batch["video"].max()
  assert batch["tokens"].shape == batch["mismatch_tokens"].shape == (8, 2, 24)
  assert batch["mismatch_valid"].shape == (8, 2)
  assert (batch["tokens"] != batch["mismatch_tokens"]).any(axis=-1).all()
  second = next(batches)
  assert not np.array_equal(batch["video"], second["video"])


def test_same_seed_same_batches(built):
  layout = input_pipeline.batch_layout(8)

  def first_batch(seed):
    return next(_batches(built, layout, seed))["video"]

  np.testing.assert_array_equal(first_batch(3), first_batch(3))
  assert not np.array_equal(first_batch(3), first_batch(4))


def _clip_ids(batch) -> list[bytes]:
  """One id per clip of a batch: its pixels (every tiny clip differs)."""
  videos = batch["video"].reshape((-1,) + batch["video"].shape[2:])
  return [v.tobytes() for v in videos]


def test_every_clip_once_per_epoch_in_a_new_order(built):
  layout = BatchLayout(global_batch=8, process_count=1, local_devices=1)
  iterator = _batches(built, layout, seed=1)
  epochs = [sum((_clip_ids(next(iterator)) for _ in range(10)), []) for _ in range(2)]  # 80 clips each.
  assert len(set(epochs[0])) == 80 and set(epochs[0]) == set(epochs[1])
  assert epochs[0] != epochs[1]


def test_a_restored_position_gives_the_same_batches(built):
  """The state after 12 batches (past the 10-batch epoch), set on a new iterator, continues exactly."""
  layout = input_pipeline.batch_layout(8)
  straight = _batches(built, layout, seed=5)
  for _ in range(12):
    next(straight)
  state = straight.get_state()
  assert json.loads(state) == {"next_index": 12}
  expected = [next(straight) for _ in range(3)]
  resumed = _batches(built, layout, seed=5)
  resumed.set_state(state)
  for batch in expected:
    got = next(resumed)
    for key in batch:
      np.testing.assert_array_equal(got[key], batch[key])


def test_processes_read_disjoint_equal_slices(built):
  """Two processes' batches over an epoch: 40 clips each, none in both."""
  seen = []
  for process in (0, 1):
    layout = BatchLayout(global_batch=8, process_count=2, local_devices=1, process_index=process)
    iterator = _batches(built, layout, seed=0)
    seen.append(sum((_clip_ids(next(iterator)) for _ in range(10)), []))
  assert len(set(seen[0])) == len(set(seen[1])) == 40
  assert not set(seen[0]) & set(seen[1])


def test_worker_processes_give_the_same_batches_and_resume(built):
  layout = input_pipeline.batch_layout(8)
  in_process = _batches(built, layout, seed=2)
  expected = [next(in_process) for _ in range(5)]
  workers = _batches(built, layout, seed=2, workers=2)
  for batch in expected[:3]:
    np.testing.assert_array_equal(next(workers)["video"], batch["video"])
  resumed = _batches(built, layout, seed=2, workers=2)
  resumed.set_state(workers.get_state())
  for batch in expected[3:]:
    np.testing.assert_array_equal(next(resumed)["video"], batch["video"])


def test_too_few_clips_for_a_batch_is_an_error(built):
  with pytest.raises(ValueError, match="40 clips per process cannot fill one batch of 48"):
    _batches(built, BatchLayout(global_batch=96, process_count=2, local_devices=1))


def test_an_older_build_is_refused_with_the_rebuild_command(tmp_path, tiny_data_dir):
  old = tmp_path / "action_scenes" / "tiny" / "1.0.0"
  old.mkdir(parents=True)
  (old / "dataset_info.json").write_text("{}")
  builder = input_pipeline.load_builder("action_scenes/tiny", str(tmp_path))
  with pytest.raises(FileNotFoundError, match=r"only version 1\.0\.0 is built there.*vidgan build action_scenes"):
    input_pipeline.ensure_built(builder, build_if_missing=False)


def test_a_build_without_random_access_is_refused(tmp_path, tiny_data_dir):
  """A tfrecord build (`--file_format=tfrecord`, which needs TensorFlow to write) cannot be read by
  position: the error gives the rebuild command. Stood in for by a copy whose info says tfrecord."""
  shutil.copytree(os.path.join(tiny_data_dir, "action_scenes"), tmp_path / "action_scenes")
  info_path = next((tmp_path / "action_scenes" / "tiny").glob("*/dataset_info.json"))
  info = json.loads(info_path.read_text())
  info_path.write_text(json.dumps(dict(info, fileFormat="tfrecord")))
  with pytest.raises(ValueError, match=r"stored as tfrecord.*rebuild it as array_record.*--overwrite"):
    input_pipeline.load_builder("action_scenes/tiny", str(tmp_path))
