"""The procedural dataset: determinism, splits, captions, visual distinctness."""

import numpy as np
import pytest

from vidgan_jax import input_pipeline
from vidgan_jax.datasets.action_scenes import captions, clips, pairs

SPEC = clips.ClipSpec(frames=8, size=16)


@pytest.mark.fast
def test_example_is_a_pure_function_of_split_index_seed():
  a, b = clips.make_example(SPEC, "train", 7, 0), clips.make_example(SPEC, "train", 7, 0)
  np.testing.assert_array_equal(a["video"], b["video"])
  assert a["caption"] == b["caption"]
  other_seed = clips.make_example(SPEC, "train", 7, 1)
  assert not np.array_equal(a["video"], other_seed["video"])


@pytest.mark.fast
def test_video_shape_and_dtype():
  video = clips.make_example(clips.ClipSpec(frames=16, size=32), "classifier", 3, 0)["video"]
  assert video.shape == (16, 32, 32, 3) and video.dtype == np.uint8


@pytest.mark.fast
def test_split_design():
  train = set(pairs.TRAIN_PAIRS)
  held_out = set(pairs.HELD_OUT_PAIRS)
  assert not train & held_out
  assert {("golf", "pool"), ("sailing", "snow")} <= held_out
  assert set(pairs.CANONICAL_PAIRS) <= train and len(pairs.CANONICAL_PAIRS) == 10
  for action in pairs.ACTIONS:
    assert sum(a == action for a, _ in train) >= 2, action
  for scene in pairs.SCENES:
    assert sum(s == scene for _, s in train) >= 2, scene
  assert len(pairs.ALL_PAIRS) == len(pairs.ACTIONS) * len(pairs.SCENES)


def _examples(data_dir, split):
  builder = input_pipeline.load_builder("action_scenes/tiny", data_dir)
  return list(input_pipeline.open_split(builder, split))


def test_held_out_pairs_absent_from_training_splits(tiny_data_dir):
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  names = builder.info.features["pair"].names
  held_out = {pairs.pair_name(a, s) for a, s in pairs.HELD_OUT_PAIRS}
  for split in ("train", "validation", "test"):
    seen = {names[e["pair"]] for e in _examples(tiny_data_dir, split)}
    assert not seen & held_out, split
  unseen = {names[e["pair"]] for e in _examples(tiny_data_dir, "test_unseen")}
  assert unseen <= held_out and {"golf-pool", "sailing-snow"} <= unseen


def test_captions_name_their_action_and_scene(tiny_data_dir):
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  action_names, scene_names = builder.info.features["action"].names, builder.info.features["scene"].names
  for e in _examples(tiny_data_dir, "classifier"):
    caption = e["caption"].decode()
    action, scene = action_names[e["action"]], scene_names[e["scene"]]
    assert any(p in caption for p in captions.ACTION_PHRASES[action]), caption
    assert any(p in caption for p in captions.SCENE_PHRASES[scene]), caption


def test_building_twice_gives_identical_records(tiny_data_dir, tmp_path):
  builder = input_pipeline.load_builder("action_scenes/tiny", str(tmp_path))
  builder.download_and_prepare()
  for first, second in zip(_examples(tiny_data_dir, "test"), _examples(str(tmp_path), "test")):
    np.testing.assert_array_equal(first["video"], second["video"])
    assert first["caption"] == second["caption"]


def _render(action, scene):
  rng = clips.example_rng("distinct", 0, 0)  # Same nuisance and texture draws for every clip.
  nuisance = clips.sample_nuisance(rng)
  return clips.render_clip(clips.ClipSpec(frames=16, size=32), action, scene, nuisance, rng).astype(np.float32)


@pytest.mark.fast
def test_scenes_differ_in_colour():
  colour = {s: _render("jogging", s).mean(axis=(0, 1, 2)) for s in pairs.SCENES}
  for i, a in enumerate(pairs.SCENES):
    for b in pairs.SCENES[i + 1 :]:
      assert np.abs(colour[a] - colour[b]).max() > 8.0, (a, b)  # Of 255.


@pytest.mark.fast
def test_actions_differ_in_motion():
  """Where and when pixels change (a motion-energy volume) differs between every two actions."""
  motion = {a: np.abs(np.diff(_render(a, "grass"), axis=0)).mean(-1) for a in pairs.ACTIONS}
  for i, a in enumerate(pairs.ACTIONS):
    for b in pairs.ACTIONS[i + 1 :]:
      distance = np.abs(motion[a] - motion[b]).sum() / (motion[a].sum() + motion[b].sum())
      assert distance > 0.2, (a, b, distance)
