"""text2video_real built through Apache Beam (DirectRunner, 2 worker processes) equals the local build.

Beam is an optional extra: `make beam-test` runs this file in its own virtual environment
(.venv-beam); without apache_beam installed the tests are skipped.
"""

import json
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds
from test_text2video_real import build_as_documented  # tests/ is on sys.path.

from vidgan_jax.datasets.text2video_real import damaged_videos
from vidgan_jax.datasets.text2video_real.fake_videos import moving_square_frames, write_video

pytest.importorskip("apache_beam")

DIRECT_RUNNER = "runner=DirectRunner,direct_running_mode=multi_processing,direct_num_workers=2"


def _build(manual_dir, data_dir, *extra: str) -> None:
  result = build_as_documented(manual_dir, data_dir, *extra, timeout=900)
  assert result.returncode == 0, result.stderr[-3000:]


def _examples(data_dir) -> dict:
  builder = tfds.builder_from_directory(str(next((data_dir / "text2video_real" / "32px").iterdir())))
  return {
    split: {e["path"].decode(): e for e in builder.as_data_source(split)} for split in builder.info.splits
  }, builder


@pytest.fixture(scope="module")
def manual_dir(tmp_path_factory):
  """One damaged or odd file of every kind, plus good clips in all three splits (hash-split rows)."""
  root = tmp_path_factory.mktemp("manual")
  damaged_videos.write_set(str(root))
  with open(root / "videos.csv", "a") as f:
    for i in range(12):
      write_video(str(root / f"clip_{i}.mp4"), moving_square_frames(32, 32, 32, colour=(20 * i, 90, 200)), fps=16)
      f.write(f"clip_{i}.mp4,clip number {i},sailing,\n")
  return root


def test_beam_build_equals_the_local_build_example_by_example(manual_dir, tmp_path):
  _build(manual_dir, tmp_path / "local")
  _build(manual_dir, tmp_path / "beam", f"--beam_pipeline_options={DIRECT_RUNNER}")
  (local, local_builder), (beam, beam_builder) = _examples(tmp_path / "local"), _examples(tmp_path / "beam")
  assert set(local) == set(beam) and len(local) >= 2
  for split in local:
    assert set(local[split]) == set(beam[split]), split
    for path, example in local[split].items():
      for key in ("video", "caption", "category", "path"):
        np.testing.assert_array_equal(example[key], beam[split][path][key], err_msg=f"{split} {path} {key}")
  reports = []
  for builder in (local_builder, beam_builder):
    with open(os.path.join(builder.data_dir, "build_report.json")) as f:
      reports.append(json.load(f))
  assert reports[0]["kept"] == reports[1]["kept"]
  assert reports[0]["skipped_by_reason"] == reports[1]["skipped_by_reason"]
  assert [(s["path"], s["reason"]) for s in reports[0]["skipped"]] == [
    (s["path"], s["reason"]) for s in reports[1]["skipped"]
  ]
  assert not [name for name in os.listdir(beam_builder.data_dir) if name.startswith("skipped_")]
