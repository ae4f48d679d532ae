"""What each stage of the generator is conditioned on (model.background_factors)."""

import jax
import numpy as np
import pytest

from experiments import tiny
from experiments.variants import STAGE_FACTORS
from vidgan_jax import models

pytestmark = pytest.mark.fast


def _redrawn(params, factor: int):
  """`params` with the class embeddings of factor `factor` (0: action, 1: scene) drawn afresh."""
  bottleneck = dict(params["factor_bottleneck"])
  table = bottleneck[f"classes_{factor}"]
  bottleneck[f"classes_{factor}"] = jax.random.normal(jax.random.key(7), table.shape, table.dtype)
  return {**params, "factor_bottleneck": bottleneck}


def _stage_factors_generator(seed: int):
  """The tiny config with per-stage conditioning, its generator, two captions' tokens [2, L] and
  (an init key, z noise [2, Z], video noise [2, N]) drawn from key(seed)."""
  config = tiny.get_config()
  config.update_from_flattened_dict(STAGE_FACTORS)
  generator, _ = models.build_models(config, vocab_size=64)
  tokens = np.random.default_rng(0).integers(2, 64, (2, config.text.max_length)).astype(np.int32)
  init_key, z_key, video_key = jax.random.split(jax.random.key(seed), 3)
  noise = (jax.random.normal(z_key, (2, config.model.z_dim)), jax.random.normal(video_key, (2, config.model.noise_dim)))
  return config, generator, tokens, (init_key, *noise)


def test_the_scene_alone_reaches_the_sketch_and_background_the_action_alone_the_agent_stream():
  """Redrawing the action's class embeddings leaves the sketch's and the background's conditioning
  (and so the sketch) as they were and changes the clip; redrawing the scene's leaves the agent
  stream's conditioning as it was and changes the sketch."""
  config, generator, tokens, (init_key, z_noise, video_noise) = _stage_factors_generator(seed=0)
  video = np.zeros((2, config.frames, config.size, config.size, 3), np.float32)
  params = generator.init(init_key, tokens, video, z_noise, video_noise)["params"]

  def run(p, method):
    noise = (z_noise, video_noise) if method == "sample" else ()
    return generator.apply({"params": p}, tokens, *noise, method=method)

  base, condition = run(params, "sample"), run(params, "condition")
  new_action, new_scene = _redrawn(params, 0), _redrawn(params, 1)
  np.testing.assert_array_equal(run(new_action, "condition").background, condition.background)
  np.testing.assert_array_equal(run(new_scene, "condition").foreground, condition.foreground)
  np.testing.assert_array_equal(run(new_action, "sample")["gist"], base["gist"])
  assert np.abs(run(new_action, "sample")["video"] - base["video"]).max() > 1e-3
  assert np.abs(run(new_scene, "sample")["gist"] - base["gist"]).max() > 1e-3


@pytest.mark.parametrize("readout", ["sentence", "words"])
def test_the_words_readout_reads_words_whatever_their_order(readout):
  """model.factor_readout="words": each factor attends over unmixed word embeddings, so the order
  of a caption's words does not change its factor logits (the sentence readout's transformer,
  with its position embeddings, does see the order)."""
  config = tiny.get_config()
  config.update_from_flattened_dict(STAGE_FACTORS | {"model.factor_readout": readout})
  generator, _ = models.build_models(config, vocab_size=64)
  tokens = np.zeros((1, config.text.max_length), np.int32)
  tokens[0, :6] = np.random.default_rng(0).choice(np.arange(2, 64), 6, replace=False)
  reordered = tokens.copy()
  reordered[0, :6] = tokens[0, [3, 0, 5, 1, 4, 2]]
  params = generator.init(jax.random.key(0), tokens, method="condition")["params"]
  logits = [generator.apply({"params": params}, t, method="condition").factor_logits for t in (tokens, reordered)]
  for key in ("factor_logits_0", "factor_logits_1"):
    assert logits[0][key].shape == (1, config.factor_classes[int(key[-1])])
    same = np.allclose(logits[0][key], logits[1][key], atol=1e-5)
    assert same == (readout == "words"), (key, logits[0][key], logits[1][key])


def test_the_layered_clip_is_its_streams_composited_by_the_alpha():
  """The streams the refine stage sows for diagnostics (`benchmarks/model/stream_actions.py`) are the
  ones it composites: alpha * foreground + (1 - alpha) * background is the clip."""
  _, generator, tokens, (init_key, z_noise, video_noise) = _stage_factors_generator(seed=1)
  params = generator.init(init_key, tokens, z_noise, video_noise, method="sample")["params"]
  out, state = generator.apply(
    {"params": params}, tokens, z_noise, video_noise, method="sample", mutable=["intermediates"]
  )
  streams = models.sown_streams(state)
  background, foreground, alpha = streams["background"], streams["foreground"], out["foreground_alpha"]
  assert background.shape == foreground.shape == out["video"].shape
  np.testing.assert_allclose(alpha * foreground + (1 - alpha) * background, out["video"], atol=1e-6)
  assert np.abs(foreground - background).max() > 1e-3


@pytest.mark.parametrize("classifier, classes", [("none", 0), ("ac", 2)])
def test_the_verdict_holds_the_class_logits_with_the_classifier(classifier, classes):
  """train_step.judge on 3 clips: the logits [3] always; the factor logits [3, classes_i] with
  model.disc_classifier="ac", none without."""
  from vidgan_jax import train_step

  config = tiny.get_config()
  config.update_from_flattened_dict(
    {"factor_keys": ("action", "scene"), "factor_classes": (10, 6), "model.disc_classifier": classifier}
  )
  _, discriminator = models.build_models(config, vocab_size=64)
  video = np.zeros((3, config.frames, config.size, config.size, 3), np.float32)
  tokens = np.ones((3, config.text.max_length), np.int32)
  params = discriminator.init(jax.random.key(0), video, tokens)["params"]
  verdict = train_step.judge(discriminator, params, video, tokens)
  assert verdict.logits.shape == (3,)
  assert [x.shape for x in verdict.factor_logits] == [(3, 10), (3, 6)][:classes]
