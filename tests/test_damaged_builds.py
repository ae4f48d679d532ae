"""A build damaged after the fact: a shard cut short, missing, bit-flipped, or counts in
dataset_info.json that do not match the files. Training and evaluation stop with one line naming
the file and the rebuild command, never a traceback from inside a reader."""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from vidgan_jax import build_checks, input_pipeline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def damaged_copy(tiny_data_dir, tmp_path):
  """A copy of the tiny build, and its train shard's path."""
  data_dir = tmp_path / "data"
  shutil.copytree(tiny_data_dir, data_dir, ignore=shutil.ignore_patterns("eval_classifier"))
  (shard,) = glob.glob(str(data_dir / "action_scenes" / "tiny" / "*" / "action_scenes-train.array_record-*"))
  return data_dir, shard


def _open_train(data_dir):
  builder = input_pipeline.load_builder("action_scenes/tiny", str(data_dir))
  return input_pipeline.open_split(builder, "train")


def test_a_shard_cut_short_is_named_with_the_rebuild_command(damaged_copy):
  data_dir, shard = damaged_copy
  with open(shard, "r+b") as f:
    f.truncate(os.path.getsize(shard) // 2)
  rebuild = f"vidgan build action_scenes --config=tiny --data_dir={data_dir} --overwrite"
  with pytest.raises(build_checks.DamagedBuildError, match=rf"{shard} (cannot be read|holds 0 records).*{rebuild}"):
    _open_train(data_dir)


def test_a_missing_shard_is_named(damaged_copy):
  data_dir, shard = damaged_copy
  os.remove(shard)
  with pytest.raises(build_checks.DamagedBuildError, match=rf"{shard} is missing from the build"):
    _open_train(data_dir)


def test_counts_that_do_not_match_the_files_are_named(damaged_copy):
  data_dir, shard = damaged_copy
  info_path = os.path.join(os.path.dirname(shard), "dataset_info.json")
  info = json.load(open(info_path))
  train = next(s for s in info["splits"] if s["name"] == "train")
  train["shardLengths"] = [str(int(train["shardLengths"][0]) + 5)]
  json.dump(info, open(info_path, "w"))
  with pytest.raises(build_checks.DamagedBuildError, match=rf"{shard} holds 80 records where .* says 85"):
    _open_train(data_dir)


def test_a_flipped_bit_inside_a_record_is_named_when_read(damaged_copy):
  data_dir, shard = damaged_copy
  with open(shard, "r+b") as f:
    f.seek(os.path.getsize(shard) // 3)
    byte = f.read(1)
    f.seek(-1, os.SEEK_CUR)
    f.write(bytes([byte[0] ^ 0x10]))
  source = _open_train(data_dir)  # The footer is intact: the damage shows when its record is read.
  with pytest.raises(
    build_checks.DamagedBuildError, match=r"record \d+ of the train split of action_scenes/tiny.* is damaged"
  ):
    for i in range(len(source)):
      source[i]


def test_train_on_a_cut_shard_stops_in_one_line(damaged_copy, tmp_path):
  """As typed: `vidgan train` on the damaged build, no traceback, the file and the command named."""
  data_dir, shard = damaged_copy
  with open(shard, "r+b") as f:
    f.truncate(os.path.getsize(shard) // 2)
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [
    sys.executable,
    "-m",
    "vidgan_jax",
    "train",
    "--config=experiments/tiny.py",
    f"--workdir={tmp_path / 'run'}",
    f"--config.data_dir={data_dir}",
  ]
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
  assert result.returncode == 1
  assert "Traceback" not in result.stderr, result.stderr[-3000:]
  errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
  assert len(errors) == 1 and shard in errors[0] and "--overwrite" in errors[0], result.stderr[-3000:]
