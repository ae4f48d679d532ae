"""The evaluation metrics on known inputs, and the whole evaluation on real and on grey clips."""

import json
import os
import re
import shutil

import jax
import numpy as np
import pytest

from experiments import tiny
from vidgan_jax import input_pipeline
from vidgan_jax.datasets.action_scenes import captions, eval_prompts, pairs
from vidgan_jax.evaluation import classifier, evaluate, metrics, protocol
from vidgan_jax.text import caption_words


@pytest.mark.fast
def test_frechet_of_identical_sets_is_zero_and_of_shifted_ones_the_squared_shift():
  x = np.random.default_rng(0).normal(size=(500, 4))
  shift = np.array([1.0, -2.0, 0.5, 0.0])
  assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
  assert metrics.frechet_distance(x, x + shift) == pytest.approx(np.sum(shift**2), rel=1e-6)


@pytest.mark.fast
def test_frechet_of_a_scaled_set():
  # For b = 2a: |mu|^2 + Tr(S + 4S - 2 * 2S) = |mu|^2 + Tr(S).
  a = np.random.default_rng(1).normal(loc=1.0, size=(400, 3))
  expected = np.sum(a.mean(0) ** 2) + np.trace(np.cov(a, rowvar=False, bias=True))
  assert metrics.frechet_distance(a, 2 * a) == pytest.approx(expected, rel=1e-6)


@pytest.mark.fast
def test_kid_is_near_zero_for_one_distribution_and_large_for_shifted_ones():
  rng = np.random.default_rng(2)
  a, b = rng.normal(size=(300, 8)), rng.normal(size=(300, 8))
  same, shifted = metrics.kernel_inception_distance(a, b), metrics.kernel_inception_distance(a, b + 2.0)
  assert abs(same) < 0.02
  assert shifted > 50 * abs(same) and shifted > 1.0
  with pytest.raises(ValueError, match="at least 2"):
    metrics.kernel_inception_distance(a[:1], b)


@pytest.mark.fast
def test_diversity_and_temporal_change_on_known_inputs():
  points = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 10.0], [10.0, 12.0], [7.0, 7.0]])
  assert metrics.mean_pairwise_distance(points[:2]) == pytest.approx(5.0)
  # Groups {0, 1}: 5; {2, 3}: 2; {4} alone is skipped.
  assert metrics.group_diversity(points, np.array([0, 0, 1, 1, 2])) == pytest.approx(3.5)
  assert metrics.group_diversity(points, np.arange(5)) is None
  still = np.zeros((2, 4, 3, 3, 3))
  flicker = np.concatenate([np.ones((2, 1, 3, 3, 3)), -np.ones((2, 1, 3, 3, 3))] * 2, axis=1)
  np.testing.assert_array_equal(metrics.temporal_change(still), [0.0, 0.0])
  np.testing.assert_allclose(metrics.temporal_change(flicker), [2.0, 2.0])


def _scores(features, labels, group):
  n = len(features)
  return evaluate.ClipScores(
    {}, np.asarray(features, np.float64), np.zeros((n, 1, 1)), np.zeros(n), labels, np.asarray(group)
  )


@pytest.mark.fast
def test_matched_diversity_compares_a_prompt_with_real_clips_sharing_what_it_names():
  unknown = protocol.UNKNOWN
  # Real clips of one pair (action 0): two red (colour 0) at distance 1, two blue at distance 1,
  # red to blue 10 apart; a pair-level reference mixes both.
  real = _scores(
    [[0.0], [1.0], [10.0], [11.0]],
    {"action": np.array([0, 0, 0, 0]), "colour": np.array([0, 0, 1, 1])},
    [0, 0, 0, 0],
  )
  # Prompt 0 names red: its reference is the two red clips (1.0). Prompt 1 names no colour: all
  # four clips ((1 + 10 + 11 + 9 + 10 + 1) / 6 = 7.0).
  generated = _scores(
    [[0.0], [0.5], [0.0], [2.0]],
    {"action": np.array([0, 0, 0, 0]), "colour": np.array([0, 0, unknown, unknown])},
    [0, 0, 1, 1],
  )
  assert evaluate.matched_real_diversity(generated, real) == pytest.approx((1.0 + 7.0) / 2)
  assert metrics.group_diversity(real.clip_features, real.group) == pytest.approx(7.0)
  lone = _scores([[0.0], [1.0]], {"action": np.array([1, 1]), "colour": np.array([0, 0])}, [0, 0])
  assert evaluate.matched_real_diversity(lone, real) is None


def test_eval_prompts_use_known_words_in_new_orders(tiny_data_dir):
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  train_captions = set(input_pipeline.read_captions(builder, "train"))
  known = {
    w
    for c in captions.SUBJECTS
    + tuple(a for p in captions.ACTION_PHRASES.values() for a in p)
    + tuple(s for p in captions.SCENE_PHRASES.values() for s in p)
    + tuple(d for p in captions.DIRECTION_PHRASES.values() for d in p)
    for w in caption_words(c)
  }
  known |= {"in"} | set(eval_prompts.AGENT_COLOURS)

  def one_of(phrases):
    return "(" + "|".join(re.escape(p) for p in phrases) + ")"

  # Every caption the training templates can produce (captions.make_caption), and nothing else.
  training_grammar = re.compile(
    f"^{one_of(captions.SUBJECTS)}( in {one_of(eval_prompts.AGENT_COLOURS)})? "
    f"{one_of([a for p in captions.ACTION_PHRASES.values() for a in p])} "
    f"{one_of([s for p in captions.SCENE_PHRASES.values() for s in p])}"
    f"( {one_of([d for p in captions.DIRECTION_PHRASES.values() for d in p])})?$"
  )
  assert all(training_grammar.match(c) for c in train_captions)
  for action, scene in pairs.ALL_PAIRS:
    texts = [p.text for p in eval_prompts.eval_prompts(action, scene, 3, seed=0)]
    assert texts == [p.text for p in eval_prompts.eval_prompts(action, scene, 3, seed=0)]
    for text in texts:
      assert text not in train_captions
      assert not training_grammar.match(text), text
      assert caption_words(text) <= known, text


def test_the_composition_protocol_is_read_from_the_build(tiny_data_dir, tmp_path):
  """action_scenes states its protocol in its build's metadata: the training pairs against `test`,
  the held-out ones against `test_unseen`, prompts outside the training templates. A build made
  before the metadata existed (no metadata.json) gets the same protocol from the builder."""
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  assert "evaluation" in json.loads((builder.data_path / "metadata.json").read_text())
  stated = protocol.read_protocol(builder, prompts_per_set=3, seed=5)
  assert [(g.name, g.split) for g in stated.groups] == [("seen", "test"), ("unseen", "test_unseen")]
  for group, group_pairs in zip(stated.groups, (pairs.TRAIN_PAIRS, pairs.HELD_OUT_PAIRS)):
    assert [s.name for s in group.prompt_sets] == [pairs.pair_name(a, s) for a, s in group_pairs]
    for prompt_set, (action, scene) in zip(group.prompt_sets, group_pairs):
      assert prompt_set.index == pairs.ALL_PAIRS.index((action, scene))
      assert prompt_set.prompts == tuple(p.text for p in eval_prompts.eval_prompts(action, scene, 3, 0))
      assert {labels["action"] for labels in prompt_set.labels} == {pairs.ACTIONS.index(action)}
  assert stated.joint_heads == ("action", "scene") and stated.classifier_split == "classifier"

  copy = tmp_path / "action_scenes"
  shutil.copytree(os.path.join(tiny_data_dir, "action_scenes"), copy)
  next(copy.glob("tiny/*/metadata.json")).unlink()
  older = input_pipeline.load_builder("action_scenes/tiny", str(tmp_path))
  assert protocol.read_protocol(older, prompts_per_set=3, seed=5) == stated
  with pytest.raises(ValueError, match="stores 8 evaluation prompts per set, fewer than eval.prompts_per_pair=9"):
    protocol.read_protocol(builder, prompts_per_set=9, seed=0)


@pytest.fixture(scope="module")
def tiny_classifier(tiny_data_dir):
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  config = tiny.get_config().eval
  stated = protocol.read_protocol(builder, config.prompts_per_pair, config.seed)
  return builder, config, stated, classifier.load_or_train(builder, config.classifier, stated)


def test_classifier_is_cached_and_a_damaged_cache_is_rebuilt(tiny_classifier, caplog):
  builder, config, stated, trained = tiny_classifier
  path = classifier.cache_dir(builder, config.classifier)
  assert sorted(os.listdir(path)) == ["meta.json", "params.msgpack"]
  loaded = classifier.load_or_train(builder, config.classifier, stated)
  assert all(np.array_equal(a, b) for a, b in zip(*(jax.tree.leaves(t.params) for t in (trained, loaded))))
  with open(os.path.join(path, "params.msgpack"), "r+b") as f:
    f.truncate(100)
  with caplog.at_level("WARNING"):
    classifier.load_or_train(builder, config.classifier, stated)
  assert "unreadable" in caplog.text
  assert os.path.getsize(os.path.join(path, "params.msgpack")) > 100


def test_a_shipped_classifier_is_used_only_if_it_passes_its_check(tiny_classifier, tmp_path, monkeypatch, caplog):
  builder, config, stated, trained = tiny_classifier
  monkeypatch.setattr(classifier, "PRETRAINED_DIR", str(tmp_path / "pretrained"))
  cache = str(classifier.cache_dir(builder, config.classifier))
  shipped = classifier.pretrained_dir(builder, config.classifier)
  shutil.copytree(cache, shipped)
  with open(os.path.join(shipped, "meta.json")) as f:
    meta = json.load(f)
  assert set(meta["validation_accuracy"]) == {"action", "scene", "colour", "direction"}

  def no_training(*args):
    raise AssertionError("trained although a matching classifier was shipped")

  monkeypatch.setattr(classifier, "train_classifier", no_training)
  shutil.rmtree(cache)
  loaded = classifier.load_or_train(builder, config.classifier, stated)
  assert all(np.array_equal(a, b) for a, b in zip(*(jax.tree.leaves(t.params) for t in (trained, loaded))))
  assert sorted(os.listdir(cache)) == ["meta.json", "params.msgpack"]  # Copied into the cache.

  # Published with a higher accuracy than this build gives: it belongs to another build.
  meta["validation_accuracy"]["scene"] += 0.5
  with open(os.path.join(shipped, "meta.json"), "w") as f:
    json.dump(meta, f)
  os.rename(cache, cache + ".kept")
  with caplog.at_level("WARNING"), pytest.raises(AssertionError, match="trained although"):
    classifier.load_or_train(builder, config.classifier, stated)
  assert "dataset build differs" in caplog.text
  os.rename(cache + ".kept", cache)


def test_classifier_learns_the_scene(tiny_classifier):
  builder, config, stated, trained = tiny_classifier
  real = evaluate.score_real(evaluate.Scorer(trained, config.batch_size), builder, "classifier", stated)
  chance = 1 / len(pairs.SCENES)
  assert evaluate.accuracies(real, stated.joint_heads)["scene"] > 2 * chance


class RealClips:
  """A "generator" that returns the real clips, of its group's split, of the set a prompt belongs to
  (cycled). tests/test_text2video_real.py uses it too."""

  def __init__(self, builder, stated: protocol.Protocol):
    self.by_prompt = {}
    for group in stated.groups:
      clips = {}
      for ex in input_pipeline.open_split(builder, group.split):
        clips.setdefault(int(ex[stated.set_label]), []).append(input_pipeline.clip_to_float(ex["video"]))
      for prompt_set in group.prompt_sets:
        self.by_prompt.update({text: clips[prompt_set.index] for text in prompt_set.prompts})

  def __call__(self, texts, num, seed):
    del seed
    flat = [self.by_prompt[t][j % len(self.by_prompt[t])] for t in texts for j in range(num)]
    return np.stack(flat).reshape((len(texts), num) + flat[0].shape)


def grey_clips(texts, num, seed):
  del seed
  return np.zeros((len(texts), num, 8, 16, 16, 3), np.float32)


def test_real_clips_score_like_the_ceiling_and_grey_clips_like_chance(tiny_classifier):
  builder, config, stated, trained = tiny_classifier
  scorer = evaluate.Scorer(trained, config.batch_size)
  real_report, _ = evaluate.evaluate(RealClips(builder, stated), scorer, builder, stated, config)
  grey_report, generated = evaluate.evaluate(grey_clips, scorer, builder, stated, config)
  validation = evaluate.score_real(scorer, builder, "validation", stated)
  test = evaluate.score_real(scorer, builder, "test", stated)
  noise_floor = metrics.frechet_distance(validation.clip_features, test.clip_features)
  for group in ("seen", "unseen"):
    real, grey = real_report["groups"][group], grey_report["groups"][group]
    for label in ("action", "scene", "joint"):
      assert real["accuracy"][label] == real["ceiling"][label]
    assert real["frechet_clip"] == pytest.approx(0.0, abs=1e-6)
    assert real["frechet_frame"] == pytest.approx(0.0, abs=1e-6)
    assert real["temporal_change"] == pytest.approx(real["temporal_change_real"], rel=1e-6)
    # A constant clip gets one answer for every prompt; every action is equally common in a group.
    assert grey["accuracy"]["action"] == pytest.approx(1 / len(pairs.ACTIONS))
    assert grey["temporal_change"] == 0.0
    assert grey["frechet_clip"] > max(noise_floor, 10 * real["frechet_clip"])
  assert len(generated["seen"]) == len(pairs.TRAIN_PAIRS) and len(generated["unseen"]) == len(pairs.HELD_OUT_PAIRS)
  assert generated["unseen"][0].videos.shape == (4, 8, 16, 16, 3)


def test_clips_per_pair_must_split_over_the_prompts(tiny_classifier):
  builder, config, stated, trained = tiny_classifier
  config = config.copy_and_resolve_references()
  config.num_per_pair = 3
  with pytest.raises(ValueError, match="multiple of prompts_per_pair"):
    evaluate.evaluate(grey_clips, evaluate.Scorer(trained, config.batch_size), builder, stated, config)
