"""The real-video builder on files the test writes itself: frame sampling, every bad-file reason, the report."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

from vidgan_jax.datasets.text2video_real import damaged_videos, decode, manifest, workers
from vidgan_jax.datasets.text2video_real.fake_videos import (
  frame_code,
  moving_square_frames,
  write_audio_only,
  write_video,
)

FPS = 8


def _top_level(clip: np.ndarray) -> np.ndarray:
  """Grey level of the coded top band in each decoded frame."""
  return clip[:, 0, :, :].mean(axis=(1, 2))


def test_samples_the_middle_window_at_the_target_rate(tmp_path):
  path = str(tmp_path / "a.mp4")
  write_video(path, moving_square_frames(24, 48, 64), fps=24)  # 1 s of 24 fps video.
  clip = decode.decode_clip(path, frames=4, size=16, fps=8, pad_short=False)
  assert clip.shape == (4, 16, 16, 3) and clip.dtype == np.uint8
  # The middle 0.5 s of a 1 s video starts at 0.25 s: source frames 6, 9, 12, 15.
  np.testing.assert_allclose(_top_level(clip), [frame_code(t) for t in (6, 9, 12, 15)], atol=4)


def test_upsamples_a_slow_video_by_repeating_frames(tmp_path):
  path = str(tmp_path / "slow.mp4")
  write_video(path, moving_square_frames(8, 32, 32), fps=4)  # 2 s at 4 fps.
  clip = decode.decode_clip(path, frames=8, size=16, fps=8, pad_short=False)
  levels = _top_level(clip)
  np.testing.assert_allclose(levels[0::2], levels[1::2], atol=1)


def test_short_video_is_padded_or_rejected(tmp_path):
  path = str(tmp_path / "short.mp4")
  write_video(path, moving_square_frames(3, 32, 32), fps=8)
  clip = decode.decode_clip(path, frames=8, size=16, fps=8, pad_short=True)
  np.testing.assert_array_equal(clip[3:], np.repeat(clip[2:3], 5, axis=0))
  with pytest.raises(decode.ClipError) as error:
    decode.decode_clip(path, frames=8, size=16, fps=8, pad_short=False)
  assert error.value.reason == decode.TOO_SHORT


def test_rotated_video_is_decoded_upright(tmp_path):
  """A phone's portrait video: stored landscape (left half white) with a -90 degree display
  rotation, i.e. shown turned clockwise, so the white half is on top."""
  frames = np.zeros((8, 32, 64, 3), np.uint8)
  frames[:, :, :32] = 255
  path = str(tmp_path / "portrait.mp4")
  write_video(path, frames, fps=8, rotation=-90)
  clip = decode.decode_clip(path, frames=2, size=16, fps=8, pad_short=False)
  assert clip[0, :8].mean() > 200 and clip[0, 8:].mean() < 50


def test_a_dying_worker_costs_its_own_job_only():
  from dying_job import square_or_die  # tests/ is on sys.path; the spawned workers import it too.

  results = list(workers.map_in_processes(square_or_die, list(range(10)), workers=2))
  assert isinstance(results[3], workers.WorkerDied)
  assert results[:3] + results[4:] == [x * x for x in range(10) if x != 3]
  alone = workers.IsolatedWorker()
  try:
    assert isinstance(alone(square_or_die, 3), workers.WorkerDied) and alone(square_or_die, 4) == 16
  finally:
    alone.close()


@pytest.fixture(scope="module")
def manual_dir(tmp_path_factory):
  """Good clips plus one file or row for every reason a build must skip."""
  root = tmp_path_factory.mktemp("manual")
  good = [
    ("good/golf.mp4", "a man plays golf on the grass", "playing golf", "train"),
    ("good/sail.mkv", "someone sails at sea", "sailing", "train"),
    ("good/swim.mp4", "a woman swims laps", "swimming", "test"),
  ]
  os.makedirs(root / "good")
  for path, *_ in good:
    write_video(str(root / path), moving_square_frames(20, 32, 48), fps=FPS)
  write_video(str(root / "long.mkv"), moving_square_frames(80, 32, 32), fps=FPS)
  with open(root / "long.mkv", "rb") as f:
    data = f.read()
  with open(root / "truncated.mkv", "wb") as f:
    f.write(data[: len(data) // 3])
  (root / "empty.mp4").write_bytes(b"")
  (root / "corrupt.mp4").write_bytes(os.urandom(4000))
  (root / "notes.txt").write_text("not a video")
  write_audio_only(str(root / "audio.mp4"))  # An .mp4 holding only sound.
  write_video(str(root / "short.mp4"), moving_square_frames(3, 32, 32), fps=FPS)
  rows = ["path,caption,category,split"]
  rows += [",".join(r) for r in good]
  rows += [
    "truncated.mkv,a jogger runs,jogging,train",
    "empty.mp4,an empty file,jogging,train",
    "corrupt.mp4,random bytes,jogging,train",
    "notes.txt,a text file,jogging,train",
    "audio.mp4,only sound,jogging,train",
    "short.mp4,three frames,jogging,train",
    "missing.mp4,this file does not exist,jogging,train",
    "good/golf.mp4,,playing golf,train",
    "good/golf.mp4,a caption,curling,train",
    "good/golf.mp4,a caption,playing golf,holdout",
    "good/golf.mp4,a caption,playing golf,train,surplus",
  ]
  (root / "videos.csv").write_text("\n".join(rows) + "\n")
  return str(root)


EXPECTED_SKIPS = {
  "truncated": 1,
  "zero_length": 1,
  "unreadable": 1,
  "wrong_extension": 1,
  "no_video_stream": 1,
  "too_short": 1,
  "missing_file": 1,
  "malformed_row": 3,
  "unknown_category": 1,
}


@pytest.fixture(scope="module")
def built(manual_dir, tmp_path_factory):
  from vidgan_jax.datasets.text2video_real import text2video_real_dataset_builder  # noqa: F401  (registers it)

  data_dir = str(tmp_path_factory.mktemp("real_tfds"))
  builder = tfds.builder("text2video_real/32px", data_dir=data_dir, file_format="array_record")
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
  return builder


def build_as_documented(manual_dir, data_dir, *extra: str, timeout: float = 600) -> subprocess.CompletedProcess:
  """`vidgan build text2video_real --config=32px ...` as the README shows it, typed in
  its own process, from another directory than the repository (the builder is found by name;
  tests/test_text2video_real_beam.py uses it too)."""
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [vidgan, "build", "text2video_real", "--config=32px", f"--manual_dir={manual_dir}"]
  return subprocess.run(
    [*command, f"--data_dir={data_dir}", *extra],
    capture_output=True,
    text=True,
    env=env,
    timeout=timeout,
    cwd=manual_dir,
  )


def test_the_documented_build_command_runs_on_encoded_files(manual_dir, tmp_path):
  """`vidgan build text2video_real ...` as the README shows it, in its own process:
  TFDS finds the builder by its registered name and the decoding workers are spawned processes."""
  result = build_as_documented(manual_dir, tmp_path)
  assert result.returncode == 0, result.stderr[-3000:]
  assert "BrokenProcessPool" not in result.stderr
  builder = tfds.builder_from_directory(str(tmp_path / "text2video_real" / "32px" / "2.0.0"))
  assert builder.info.splits["train"].num_examples == 2 and builder.info.splits["test"].num_examples == 1


def test_build_keeps_every_good_clip_and_reports_every_bad_one(built):
  assert built.info.splits["train"].num_examples == 2 and built.info.splits["test"].num_examples == 1
  with open(os.path.join(built.data_dir, "build_report.json")) as f:
    report = json.load(f)
  assert report["skipped_by_reason"] == EXPECTED_SKIPS
  assert report["kept"] == {"train": 2, "test": 1}
  by_path = {s["path"]: s["reason"] for s in report["skipped"]}
  assert by_path["truncated.mkv"] == "truncated" and by_path["audio.mp4"] == "no_video_stream"


def test_damaged_and_odd_videos_each_counted_and_every_good_clip_kept(tmp_path):
  """One file of every kind in damaged_videos (`make chaos` builds three of each)."""
  from vidgan_jax.datasets.text2video_real import text2video_real_dataset_builder  # noqa: F401  (registers it)

  cases = damaged_videos.write_set(str(tmp_path / "manual"), copies=1)
  builder = tfds.builder("text2video_real/32px", data_dir=str(tmp_path / "data"), file_format="array_record")
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path / "manual")))
  with open(os.path.join(builder.data_dir, "build_report.json")) as f:
    skipped = {s["path"]: s["reason"] for s in json.load(f)["skipped"]}
  assert not damaged_videos.unexpected_outcomes(cases, skipped)
  kept = {e["path"].decode() for e in builder.as_data_source("train")}
  assert kept == {c.path for c in cases if c.good} and len(skipped) == sum(not c.good for c in cases)


def test_records_have_the_training_schema(built):
  examples = list(built.as_data_source("train"))
  assert {e["path"].decode() for e in examples} == {"good/golf.mp4", "good/sail.mkv"}
  assert examples[0]["video"].shape == (16, 32, 32, 3)
  assert built.info.features["category"].int2str(examples[0]["category"]) in ("playing golf", "sailing")


def test_missing_manifest_says_what_to_put_where(tmp_path):
  (tmp_path / "clip.mp4").write_bytes(b"x")
  with pytest.raises(manifest.ManifestError, match=r"videos.csv not found.*path,caption,category"):
    manifest.read_manifest(str(tmp_path), ("jogging",))


def test_empty_manual_dir_says_what_to_put_where(tmp_path):
  from vidgan_jax.datasets.text2video_real import text2video_real_dataset_builder  # noqa: F401

  (tmp_path / "manual").mkdir()
  builder = tfds.builder("text2video_real/tiny", data_dir=str(tmp_path / "data"), file_format="array_record")
  with pytest.raises(AssertionError, match=r"(?s)does not exist or is empty.*videos.csv.*path,caption,category"):
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path / "manual")))


def test_hash_split_is_deterministic_and_covers_all_splits():
  splits = [manifest.hash_split(f"clip{i}.mp4") for i in range(500)]
  assert splits == [manifest.hash_split(f"clip{i}.mp4") for i in range(500)]
  assert 0.7 < splits.count("train") / 500 < 0.9 and splits.count("test") > 0 and splits.count("validation") > 0


def test_training_batches_come_from_real_data(built):
  from vidgan_jax import input_pipeline
  from vidgan_jax.text import Tokenizer

  tokenizer = Tokenizer.train(input_pipeline.read_captions(built, "train"), 300, 16)
  layout = input_pipeline.BatchLayout(global_batch=2, process_count=1, local_devices=2)  # The split's 2 clips.
  batch = next(input_pipeline.split_batches(built, tokenizer, layout, split="train", label_key="category", seed=0))
  assert batch["video"].shape == (2, 1, 16, 32, 32, 3)
  assert batch["mismatch_valid"].all()  # Two categories in the split: every clip has a mismatch.
  with pytest.raises(ValueError, match="2 clips per process cannot fill one batch of 8"):
    input_pipeline.split_batches(
      built, tokenizer, input_pipeline.batch_layout(8), split="train", label_key="category", seed=0
    )


def test_unbuilt_real_dataset_explains_the_build_command(tmp_path):
  from vidgan_jax import input_pipeline

  builder = input_pipeline.load_builder("text2video_real/64px", str(tmp_path))
  with pytest.raises(FileNotFoundError, match="vidgan build text2video_real --config=64px.*--manual_dir"):
    input_pipeline.ensure_built(builder, build_if_missing=False)
