"""`vidgan eval` on text2video_real: a protocol derived from the build's features and splits (no
metadata, no held-out pairs), its category classifier, and the documented command end to end."""

import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest
import tensorflow_datasets as tfds
from test_evaluation import RealClips, grey_clips  # tests/ is on sys.path.

from experiments import tiny
from vidgan_jax.datasets.text2video_real.fake_videos import moving_square_frames, write_video
from vidgan_jax.evaluation import classifier, evaluate, protocol, report

# Three categories, each its own square colour and direction; clips per split and category.
CATEGORIES = {"swimming": (40, 90, 230), "playing golf": (60, 200, 60), "sailing": (240, 240, 240)}
CLIPS = {"train": 6, "validation": 1, "test": 2}
CAPTIONS = {
  "swimming": ("a woman swims laps in a pool", "someone swimming", "a boy swims"),
  "playing golf": ("a man plays golf on the grass", "golf on a sunny day", "a golfer swings"),
  "sailing": ("someone sails at sea", "a boat sailing on the waves", "sailing in the wind"),
}


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
  """text2video_real/tiny built from 27 written videos: (builder, data_dir)."""
  from vidgan_jax.datasets import register_builders

  register_builders()
  manual = tmp_path_factory.mktemp("real_manual")
  rows = ["path,caption,category,split"]
  for c, (category, colour) in enumerate(CATEGORIES.items()):
    for split, count in CLIPS.items():
      for i in range(count):
        frames = moving_square_frames(12, 32, 32, colour)
        path = f"{category.replace(' ', '_')}_{split}_{i}.mp4"
        write_video(str(manual / path), frames[::-1] if c % 2 else frames, fps=8)
        rows.append(f"{path},{CAPTIONS[category][i % 3]},{category},{split}")
  (manual / "videos.csv").write_text("\n".join(rows) + "\n")
  data_dir = str(tmp_path_factory.mktemp("real_tfds"))
  builder = tfds.builder("text2video_real/tiny", data_dir=data_dir, file_format="array_record")
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
  return builder, data_dir


def test_the_protocol_comes_from_the_builds_features_and_splits(real_build):
  builder, _ = real_build
  derived = protocol.read_protocol(builder, prompts_per_set=3, seed=0)
  names = builder.info.features["category"].names
  assert derived.heads == (("category", len(names)),) and derived.joint_heads == ("category",)
  assert (derived.classifier_split, derived.validation_split, derived.set_label) == ("train", "validation", "category")
  (group,) = derived.groups
  assert (group.name, group.split) == ("test", "test")
  assert sorted(s.name for s in group.prompt_sets) == sorted(CATEGORIES)
  for prompt_set in group.prompt_sets:
    assert prompt_set.index == names.index(prompt_set.name)
    # Captions of the category's two test clips, drawn with repeats to make three prompts.
    assert len(prompt_set.prompts) == 3 and set(prompt_set.prompts) <= set(CAPTIONS[prompt_set.name][:2])
    assert all(labels == {"category": prompt_set.index} for labels in prompt_set.labels)
  assert derived == protocol.read_protocol(builder, prompts_per_set=3, seed=0)


def test_a_dataset_without_class_labels_or_captions_is_refused():
  info = types.SimpleNamespace(features={"video": None, "caption": None}, full_name="captioned/1.0.0", metadata=None)
  with pytest.raises(ValueError, match="needs a dataset with class labels.*captioned/1.0.0 has none"):
    protocol.read_protocol(types.SimpleNamespace(info=info), prompts_per_set=2, seed=0)
  labelled = {"video": None, "label": tfds.features.ClassLabel(names=["a", "b"])}
  info = types.SimpleNamespace(features=labelled, full_name="labelled/1.0.0", metadata=None, splits={})
  with pytest.raises(ValueError, match="labelled/1.0.0 has no 'caption' feature"):
    protocol.read_protocol(types.SimpleNamespace(info=info), prompts_per_set=2, seed=0)


def test_real_clips_score_the_ceiling_and_grey_clips_do_not(real_build):
  builder, _ = real_build
  config = tiny.get_config().eval
  derived = protocol.read_protocol(builder, config.prompts_per_pair, config.seed)
  trained = classifier.load_or_train(builder, config.classifier, derived)
  scorer = evaluate.Scorer(trained, config.batch_size)
  real_report, _ = evaluate.evaluate(RealClips(builder, derived), scorer, builder, derived, config)
  grey_report, generated = evaluate.evaluate(grey_clips, scorer, builder, derived, config)
  real, grey = real_report["groups"]["test"], grey_report["groups"]["test"]
  assert real["ceiling"]["category"] > 1 / len(CATEGORIES)  # The classifier learnt the colours.
  assert real["accuracy"]["category"] == real["ceiling"]["category"]
  assert real["frechet_clip"] == pytest.approx(0.0, abs=1e-6)
  assert grey["accuracy"]["category"] <= 1 / len(CATEGORIES) + 1e-9  # One answer for every prompt.
  assert grey["frechet_clip"] > 10 * real["frechet_clip"]
  table = report.markdown(grey_report)
  assert "| metric | test | target |" in table and "| ratio to ceiling: category |" in table
  assert all(f"| {name} | test |" in table for name in CATEGORIES)
  assert [len(generated["test"]), generated["test"][0].videos.shape] == [3, (4, 8, 16, 16, 3)]


def test_a_classifier_batch_larger_than_its_split_is_named(real_build):
  builder, _ = real_build
  config = tiny.get_config().eval.classifier
  config.batch_size = 64
  with pytest.raises(ValueError, match="'train' split of text2video_real/tiny/2.0.0, 18 clips, fewer than its batch"):
    classifier.train_classifier(builder, config, protocol.read_protocol(builder, 2, 0))


def test_vidgan_eval_on_text2video_real_as_documented(real_build, tmp_path):
  """`vidgan train` on the real build for two steps, then `vidgan eval --workdir=...` as typed."""
  _, data_dir = real_build
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  workdir, out = tmp_path / "run", tmp_path / "eval"
  overrides = ["--config.dataset=text2video_real/tiny", "--config.label_key=category", f"--config.data_dir={data_dir}"]
  overrides += ["--config.num_train_steps=2", "--config.sample_every_steps=100", "--config.build_if_missing=False"]
  for command in (
    [vidgan, "train", "--config=experiments/tiny.py", f"--workdir={workdir}", *overrides],
    [vidgan, "eval", f"--workdir={workdir}", f"--out={out}"],
  ):
    result = subprocess.run(
      command,
      capture_output=True,
      text=True,
      timeout=600,
      cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
  scores = json.loads((out / "report.json").read_text())
  assert scores["dataset"] == "text2video_real/tiny/2.0.0" and list(scores["groups"]) == ["test"]
  assert set(scores["per_set"]) == set(CATEGORIES)
  assert 0.0 <= scores["groups"]["test"]["accuracy"]["category"] <= 1.0
  assert "ratio to ceiling: category" in result.stdout
  assert (out / "grid.gif").stat().st_size > 0
  assert np.isfinite(scores["groups"]["test"]["frechet_clip"])
