"""The losses of `vidgan_jax/losses.py` against values computed by hand."""

import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from vidgan_jax import default_config, losses

pytestmark = pytest.mark.fast


def _loss_config(**overrides) -> ml_collections.ConfigDict:
  cfg = default_config.get_config().loss
  cfg.update(
    dict(
      gan="hinge",
      gamma_cvae=1.0,
      kl_weight=0.5,
      gamma_gan=0.1,
      gamma_l1=2.0,
      clip_kl_weight=0.1,
      clip_kl_free_nats=0.0,
      kl_free_nats=0.0,
      latent_regression_weight=0.3,
    )
  )
  cfg.update(overrides)
  return cfg


def _outputs(**extra) -> dict:
  """Two examples of 1x1x1 clips: sketch KL [0.5, 0], gist L1 0.5, clip 0.2 from the real 0."""
  return {
    "video": jnp.full((2, 1, 1, 1, 3), 0.2),
    "gist": jnp.full((2, 1, 1, 3), 0.5),
    "gist_target": jnp.zeros((2, 1, 1, 3)),
    "mean": jnp.array([[1.0], [0.0]]),
    "log_var": jnp.zeros((2, 1)),
    "prior_mean": jnp.zeros((2, 1)),
    "prior_log_var": jnp.zeros((2, 1)),
    **extra,
  }


def sp(x):
  return np.log1p(np.exp(x))


REAL = jnp.zeros((2, 1, 1, 1, 3))
FAKE_LOGITS = jnp.array([1.0, 3.0])
RECONSTRUCT = jnp.array([1.0, 0.0])  # The first example takes its own code, the second prior noise.


def test_kl_terms():
  np.testing.assert_allclose(losses.gaussian_kl(jnp.ones((1, 2)), jnp.zeros((1, 2)), 0.0, 0.0), [1.0])
  np.testing.assert_allclose(
    losses.gaussian_kl(jnp.zeros((1, 1)), jnp.zeros((1, 1)), 1.0, jnp.log(4.0)),
    [0.5 * (jnp.log(4.0) + 2 / 4 - 1)],
    rtol=1e-6,
  )
  # 0.5 * ((1 + 1 - 1 - 0) + (2 + 0 - 1 - log 2))
  np.testing.assert_allclose(
    losses.standard_normal_kl(jnp.array([[1.0, 0.0]]), jnp.array([[0.0, np.log(2.0)]])),
    [0.5 * (2 - np.log(2.0))],
    rtol=1e-6,
  )


def test_discriminator_loss_by_hand():
  real, fake, mismatch, valid = (
    jnp.array([2.0, 0.0]),
    jnp.array([-2.0, 0.5]),
    jnp.array([0.0, -1.0]),
    jnp.array([1.0, 0.0]),
  )
  # hinge terms: real [0, 1], fake [0, 1.5], mismatch [1, 0]; per example 0 + 0.5 * 0 + 0.5 * 1 and 1 + 0.5 * 1.5.
  np.testing.assert_allclose(losses.discriminator_loss("hinge", real, fake, mismatch, valid, 0.5), 1.125)
  expected = np.mean([sp(-2.0) + 0.5 * sp(-2.0) + 0.5 * sp(0.0), sp(0.0) + 0.5 * sp(0.5)])
  np.testing.assert_allclose(
    losses.discriminator_loss("non_saturating", real, fake, mismatch, valid, 0.5), expected, rtol=1e-6
  )
  loss, metrics = losses.discriminator_objective(
    real, fake, mismatch, valid, _loss_config(r1_weight=4.0), r1=jnp.array(0.25)
  )
  np.testing.assert_allclose(loss, 1.125 + 0.5 * 4.0 * 0.25)
  assert set(metrics) == {"d_loss", "d_real", "d_fake", "d_mismatch", "r1"}
  with pytest.raises(ValueError, match="unknown GAN loss 'hing'"):
    losses.discriminator_loss("hing", real, fake, mismatch, valid, 0.5)


def test_generator_loss_base_terms_by_hand():
  loss, metrics = losses.generator_loss(_outputs(), REAL, FAKE_LOGITS, jnp.ones(2), 1.0, _loss_config())
  # KL 0.25, gist L1 0.5, clip L1 0.2 on both examples, hinge adversarial -2:
  # 1 * (0.5 * 0.25 + 0.5) + 0.1 * -2 + 2 * 0.2
  np.testing.assert_allclose(loss, 0.825, rtol=1e-6)
  np.testing.assert_allclose(
    [metrics[k] for k in ("kl", "gist_l1", "video_l1", "g_adversarial")], [0.25, 0.5, 0.2, -2.0], rtol=1e-6
  )
  gated, metrics = losses.generator_loss(
    _outputs(), REAL, FAKE_LOGITS, jnp.ones(2), 1.0, _loss_config(kl_free_nats=1.0)
  )
  np.testing.assert_allclose(gated, 0.825 - 0.5 * 0.25, rtol=1e-6)  # Under the free bits: no KL term,
  np.testing.assert_allclose(metrics["kl"], 0.25)  # though its value is still reported.


def test_foreground_area_is_reported_not_penalised():
  """Alpha 1 on one of four pixels of each clip: mean area 0.25; the loss is the one without it."""
  alpha = jnp.zeros((2, 1, 2, 2, 1)).at[:, :, 0, 0].set(1.0)
  loss, metrics = losses.generator_loss(
    _outputs(foreground_alpha=alpha), REAL, FAKE_LOGITS, jnp.ones(2), 1.0, _loss_config()
  )
  np.testing.assert_allclose(metrics["foreground_area"], 0.25)
  np.testing.assert_allclose(loss, 0.825, rtol=1e-6)


def test_background_l1_pulls_towards_the_temporal_median_on_reconstructed_examples():
  """Real clips of three frames, 0, 0 and an agent's 1 passing: the median is the scene's 0. A
  background of 0.5 everywhere is 0.5 from it; only the first (reconstructed) example counts."""
  real = jnp.zeros((2, 3, 1, 1, 3)).at[:, 2].set(1.0)
  outputs = _outputs(video=jnp.zeros((2, 3, 1, 1, 3)), background=jnp.full((2, 3, 1, 1, 3), 0.5))
  without, _ = losses.generator_loss(
    _outputs(video=outputs["video"]), real, FAKE_LOGITS, RECONSTRUCT, 0.5, _loss_config(background_l1_weight=2.0)
  )
  loss, metrics = losses.generator_loss(
    outputs, real, FAKE_LOGITS, RECONSTRUCT, 0.5, _loss_config(background_l1_weight=2.0)
  )
  np.testing.assert_allclose(metrics["background_l1"], 0.5)
  np.testing.assert_allclose(loss - without, 2.0 * 0.5, rtol=1e-6)


def test_generator_loss_clip_code_terms_by_hand():
  outputs = _outputs(clip_mean=jnp.ones((2, 1)), clip_log_var=jnp.zeros((2, 1)))
  loss, metrics = losses.generator_loss(outputs, REAL, FAKE_LOGITS, RECONSTRUCT, 0.5, _loss_config())
  # Clip L1 and clip KL (0.5 a example) count on the reconstructed half: 0.2 and 0.5.
  np.testing.assert_allclose(loss, 0.825 + 0.1 * 0.5, rtol=1e-6)
  np.testing.assert_allclose(metrics["clip_kl"], 0.5)
  gated, _ = losses.generator_loss(outputs, REAL, FAKE_LOGITS, RECONSTRUCT, 0.5, _loss_config(clip_kl_free_nats=1.0))
  np.testing.assert_allclose(gated, 0.825, rtol=1e-6)


def test_latent_regression_by_hand():
  outputs = _outputs(
    clip_mean=jnp.ones((2, 1)),
    clip_log_var=jnp.zeros((2, 1)),
    recovered_code=jnp.array([[0.0], [1.0]]),
    code=jnp.zeros((2, 1)),
  )
  loss, metrics = losses.generator_loss(outputs, REAL, FAKE_LOGITS, RECONSTRUCT, 0.5, _loss_config())
  # It counts on the prior-noise example only: |1 - 0| = 1, half of the batch.
  np.testing.assert_allclose(metrics["latent_l1"], 1.0)
  np.testing.assert_allclose(loss, 0.825 + 0.1 * 0.5 + 0.3 * 1.0, rtol=1e-5)


def test_free_bits_is_decided_on_the_global_batch():
  np.testing.assert_allclose(losses.free_bits(jnp.array(3.0), 2.0, None), 3.0)
  np.testing.assert_allclose(losses.free_bits(jnp.array(1.0), 2.0, None), 0.0)
  np.testing.assert_allclose(losses.free_bits(jnp.array(1.0), 0.0, None), 1.0)


# Two examples, two factors: the first factor's logits put e^1 : 1 on the labels' classes (0, 1),
# cross-entropy log(1 + e) - 1 for the first example and log(1 + e) for the second (wrong class
# preferred); the second factor's are uniform over 3 classes, log 3 for both.
CLASS_LOGITS = [jnp.array([[1.0, 0.0], [1.0, 0.0]]), jnp.zeros((2, 3))]
CLASS_LABELS = jnp.array([[0, 2], [1, 0]])
CLASS_CE = np.mean([np.log1p(np.e) - 1, np.log1p(np.e)]) + np.log(3.0)


def test_factor_cross_entropy_and_accuracy_by_hand():
  np.testing.assert_allclose(losses.factor_cross_entropy(CLASS_LOGITS, CLASS_LABELS), CLASS_CE, rtol=1e-6)
  # First factor: 1 of 2 right; second: argmax 0 is right for the second example only.
  np.testing.assert_allclose(losses.factor_accuracy(CLASS_LOGITS, CLASS_LABELS), 0.5)


def test_the_discriminator_learns_the_real_clips_classes():
  real, fake, mismatch, valid = jnp.zeros(2), jnp.zeros(2), jnp.zeros(2), jnp.ones(2)
  cfg = _loss_config(disc_classifier_weight=2.0)
  base, _ = losses.discriminator_objective(real, fake, mismatch, valid, cfg)
  loss, metrics = losses.discriminator_objective(real, fake, mismatch, valid, cfg, classes=(CLASS_LOGITS, CLASS_LABELS))
  np.testing.assert_allclose(loss - base, 2.0 * CLASS_CE, rtol=1e-6)
  np.testing.assert_allclose(metrics["d_classifier_ce"], CLASS_CE, rtol=1e-6)
  assert float(metrics["d_classifier_accuracy"]) == 0.5


def test_the_generator_is_pushed_to_the_classes_its_caption_names():
  cfg = _loss_config(disc_classifier_weight=2.0)
  base, _ = losses.generator_loss(_outputs(), REAL, FAKE_LOGITS, jnp.ones(2), 1.0, cfg)
  outputs = _outputs(disc_factor_logits=CLASS_LOGITS, factor_labels=CLASS_LABELS)
  loss, metrics = losses.generator_loss(outputs, REAL, FAKE_LOGITS, jnp.ones(2), 1.0, cfg)
  # The generator's share is gamma_gan (0.1) times the weight.
  np.testing.assert_allclose(loss - base, 0.1 * 2.0 * CLASS_CE, rtol=1e-5)
  np.testing.assert_allclose(metrics["g_classifier_ce"], CLASS_CE, rtol=1e-6)


# Four generated clips: 0 and 1 show the same factors, 2 and 3 too, 0 and 2 differ. Features: 0
# and 1 orthogonal (cosine distance 1), 2 and 3 the same direction at different lengths (0).
SPREAD_FEATURES = jnp.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0], [6.0, 8.0]])
SPREAD_CODES = jnp.array([[0.0, 0.0], [2.0, 0.0], [0.0, 0.0], [1.0, 1.0]])  # Distances 1 and 1.
SPREAD_LABELS = jnp.array([[0, 1], [0, 1], [2, 0], [2, 0]])


def test_feature_spread_by_hand():
  # Pairs (0, 1) and (2, 3), each counted both ways: (1 / 1 + 0 / 1) / 2.
  spread = losses.feature_spread(SPREAD_FEATURES, SPREAD_CODES, SPREAD_LABELS, jnp.ones(4), None)
  np.testing.assert_allclose(spread, 0.5, rtol=1e-6)
  # Only clips made from prior noise count: with clip 3 encoded, pair (0, 1) is left.
  eligible = jnp.array([1.0, 1.0, 1.0, 0.0])
  np.testing.assert_allclose(losses.feature_spread(SPREAD_FEATURES, SPREAD_CODES, SPREAD_LABELS, eligible, None), 1.0)
  # Halving the codes' distance doubles the spread per unit of noise.
  np.testing.assert_allclose(
    losses.feature_spread(SPREAD_FEATURES, SPREAD_CODES / 2, SPREAD_LABELS, eligible, None), 2.0, rtol=1e-6
  )


def test_feature_spread_is_zero_without_a_pair():
  labels = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]])
  assert float(losses.feature_spread(SPREAD_FEATURES, SPREAD_CODES, labels, jnp.ones(4), None)) == 0.0


def test_the_generator_is_rewarded_for_spread():
  cfg = _loss_config(mode_seeking_weight=0.25)
  base, _ = losses.generator_loss(_outputs(), REAL, FAKE_LOGITS, jnp.ones(2), 1.0, cfg)
  outputs = _outputs(disc_features=SPREAD_FEATURES[:2], code=SPREAD_CODES[:2], factor_labels=SPREAD_LABELS[:2])
  # Without the clip encoder every clip is made from prior noise; the one pair's spread is 1.
  loss, metrics = losses.generator_loss(outputs, REAL, FAKE_LOGITS, jnp.ones(2), 1.0, cfg)
  np.testing.assert_allclose(metrics["feature_spread"], 1.0, rtol=1e-6)
  np.testing.assert_allclose(loss - base, -0.25, rtol=1e-5)
