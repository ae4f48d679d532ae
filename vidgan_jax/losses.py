"""The generator's and the discriminator's losses, as functions from model outputs to (loss, metrics).

Every term is a mean over the examples of this device's batch, so `lax.pmean` of a loss over the
devices is the loss of the global batch. Two exceptions are computed on the global batch
(`axis_name`) so that they do not depend on how the batch is split: the free-bits gate, and the
feature spread, whose pairs of examples may lie on different devices.

    generator loss = gamma_cvae * (kl_weight * KL_gist + gist L1)          sketch CVAE
                   + gamma_gan * adversarial                               GAN
                   + gamma_l1 * clip L1 (reconstructed examples)           reconstruction
                   + clip_kl_weight * KL_clip (over free bits)             cVAE-GAN clip code
                   + latent_regression_weight * |E(G(c, w)) - w|            cLR (BicycleGAN)
                   + background_l1_weight * |background - median_t(clip)|   layered: an agent-free background
                   + factor_text_weight * CE(factor logits, labels)        factor bottleneck
                   + gamma_gan * disc_classifier_weight * CE(D's classes)  AC-GAN
                   - mode_seeking_weight * feature spread                  mode seeking on D's features

    discriminator loss = matching-aware GAN + 0.5 * r1_weight * R1
                   + disc_classifier_weight * CE(classes of real clips)
"""

import jax
import jax.numpy as jnp
import ml_collections

GAN_LOSSES = ("hinge", "non_saturating")


def gaussian_kl(mean, log_var, prior_mean, prior_log_var) -> jax.Array:
  """KL(N(mean, var) || N(prior_mean, prior_var)) summed over latent dims: [B, Z] -> [B]."""
  return 0.5 * jnp.sum(
    prior_log_var - log_var + (jnp.exp(log_var) + (mean - prior_mean) ** 2) / jnp.exp(prior_log_var) - 1.0, axis=-1
  )


def standard_normal_kl(mean, log_var) -> jax.Array:
  """KL(N(mean, var) || N(0, I)) summed over latent dims: [B, Z] -> [B]."""
  return 0.5 * jnp.sum(jnp.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)


def masked_mean(values: jax.Array, mask: jax.Array, fraction: float) -> jax.Array:
  """Mean of values [B] over the examples where mask [B] is 1, a `fraction` of the global batch.

  Divides by the global expectation (fraction * B) rather than this device's count, so that the
  device average taken by `lax.pmean` is the mean over the global batch whatever the split.
  """
  return jnp.sum(values * mask) / (fraction * values.shape[0])


def global_mean(value: jax.Array, axis_name: str | None) -> jax.Array:
  """`value` averaged over the devices of `axis_name` (None: this device alone)."""
  return value if axis_name is None else jax.lax.pmean(value, axis_name)


def free_bits(kl: jax.Array, free_nats: float, axis_name: str | None) -> jax.Array:
  """The KL term under "free bits": `kl` (a batch mean) where the global batch's mean KL exceeds
  `free_nats`, else 0 (no pull towards the prior while the code carries little)."""
  if free_nats <= 0:
    return kl
  return jnp.where(global_mean(jax.lax.stop_gradient(kl), axis_name) > free_nats, kl, 0.0)


def factor_cross_entropy(logits: list[jax.Array], labels: jax.Array) -> jax.Array:
  """Sum over factors of the mean cross-entropy of logits[i] [B, classes_i] with labels [B, F] (int)."""
  return sum(
    -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(x), labels[:, i, None], -1)) for i, x in enumerate(logits)
  )


def feature_spread(
  features: jax.Array, code: jax.Array, labels: jax.Array, eligible: jax.Array, axis_name: str | None
) -> jax.Array:
  """Mode seeking (MSGAN, DSGAN) on the discriminator's clip features rather than pixels: over the
  pairs of eligible generated clips of the global batch that show the same factors, the mean of
  (cosine distance of their features) / (mean absolute distance of their codes).

  features [B, C] float; code [B, N], the noise each clip was made from; labels [B, F] int;
  eligible [B] float, 1 for the clips made from prior noise. Pixel distance could be bought with
  noise (docs/results.md); the discriminator's features change only with what it judges. 0 when
  the batch holds no such pair. Every device returns the same value: under pmap the averaged
  gradients are those of this one global term.
  """
  if axis_name is not None:
    features, code, labels, eligible = (
      jax.lax.all_gather(x, axis_name, tiled=True) for x in (features, code, labels, eligible)
    )
  unit = features / jnp.linalg.norm(features, axis=-1, keepdims=True)
  feature_distance = 1.0 - unit @ unit.T
  code_distance = jnp.abs(code[:, None, :] - code[None, :, :]).mean(axis=-1)
  same = jnp.all(labels[:, None, :] == labels[None, :, :], axis=-1) & ~jnp.eye(len(labels), dtype=bool)
  pairs = same & (eligible[:, None] * eligible[None, :] > 0)
  ratio = feature_distance / jnp.where(pairs, code_distance, 1.0)
  return jnp.sum(jnp.where(pairs, ratio, 0.0)) / jnp.maximum(jnp.sum(pairs), 1)


def factor_accuracy(logits: list[jax.Array], labels: jax.Array) -> jax.Array:
  """Mean over factors and examples of (argmax logits[i] == labels[:, i])."""
  return jnp.mean(jnp.stack([jnp.mean(jnp.argmax(x, -1) == labels[:, i]) for i, x in enumerate(logits)]))


def real_fake_terms(kind: str, real, fake, mismatch) -> tuple[jax.Array, jax.Array, jax.Array]:
  """Per-example discriminator terms [B] for logits that should be real, fake and fake."""
  if kind == "hinge":
    return jax.nn.relu(1 - real), jax.nn.relu(1 + fake), jax.nn.relu(1 + mismatch)
  if kind == "non_saturating":
    return jax.nn.softplus(-real), jax.nn.softplus(fake), jax.nn.softplus(mismatch)
  raise ValueError(f"unknown GAN loss {kind!r}: use one of {GAN_LOSSES}")


def discriminator_loss(kind: str, real, fake, mismatch, mismatch_valid, mismatch_weight: float) -> jax.Array:
  """Matching-aware D loss over logits [B]: (real, text) is real; (fake, text) and (real, wrong text) fake.

  `mismatch_valid` [B] zeroes examples with no mismatched caption; the fake side is split between
  generated clips (1 - mismatch_weight) and mismatched captions (mismatch_weight).
  """
  real_term, fake_term, mismatch_term = real_fake_terms(kind, real, fake, mismatch)
  return jnp.mean(real_term + (1 - mismatch_weight) * fake_term + mismatch_weight * mismatch_valid * mismatch_term)


def generator_adversarial_loss(kind: str, fake) -> jax.Array:
  """G's adversarial loss over D's logits [B] for generated clips with their own captions."""
  if kind == "hinge":
    return -jnp.mean(fake)
  if kind == "non_saturating":
    return jnp.mean(jax.nn.softplus(-fake))
  raise ValueError(f"unknown GAN loss {kind!r}: use one of {GAN_LOSSES}")


def generator_loss(
  outputs: dict[str, jax.Array],
  video: jax.Array,
  fake_logits: jax.Array,
  reconstruct: jax.Array,
  reconstruct_fraction: float,
  cfg: ml_collections.ConfigDict,
  axis_name: str | None = None,
) -> tuple[jax.Array, dict[str, jax.Array]]:
  """The generator's loss and its terms.

  outputs: the generator's training outputs ("video" [B, T, H, W, 3], "gist" and "gist_target"
    [B, H, W, 3], the sketch's "mean", "log_var", "prior_mean", "prior_log_var" [B, Z]); with the
    clip encoder also "clip_mean", "clip_log_var" [B, N]; with latent regression
    "recovered_code" and "code" [B, N] (the prior-noise examples' code and what the encoder
    recovered from their clips);
    with the factor bottleneck "factor_logits_<i>" [B, classes_i] and "factor_labels" int [B, F];
    with the layered generator "foreground_alpha" [B, T, H, W, 1], and with background_l1_weight
    its background stream alone, "background" [B, T, H, W, 3]; with the discriminator's classifier
    (model.disc_classifier) its logits for the generated clips, "disc_factor_logits" (a list over
    factors of [B, classes_i]) and "factor_labels".
  video: the real clips [B, T, H, W, 3] in [-1, 1]. fake_logits: D's verdict [B] on outputs["video"].
  reconstruct: [B] float, 1 for the examples whose clip L1 (and clip KL) counts, a
    `reconstruct_fraction` of the global batch; the others were made from prior noise.
  cfg: config.loss.
  """
  kl = gaussian_kl(outputs["mean"], outputs["log_var"], outputs["prior_mean"], outputs["prior_log_var"]).mean()
  gist_l1 = jnp.abs(outputs["gist"] - outputs["gist_target"]).mean()
  video_l1 = masked_mean(jnp.abs(outputs["video"] - video).mean(axis=(1, 2, 3, 4)), reconstruct, reconstruct_fraction)
  adversarial = generator_adversarial_loss(cfg.gan, fake_logits)
  gated_kl = free_bits(kl, cfg.kl_free_nats, axis_name)
  loss = cfg.gamma_cvae * (cfg.kl_weight * gated_kl + gist_l1) + cfg.gamma_gan * adversarial + cfg.gamma_l1 * video_l1
  metrics = {"g_adversarial": adversarial, "kl": kl, "gist_l1": gist_l1, "video_l1": video_l1}
  if "clip_mean" in outputs:
    clip_kl = masked_mean(
      standard_normal_kl(outputs["clip_mean"], outputs["clip_log_var"]), reconstruct, reconstruct_fraction
    )
    loss += cfg.clip_kl_weight * free_bits(clip_kl, cfg.clip_kl_free_nats, axis_name)
    metrics["clip_kl"] = clip_kl
  # The examples whose clip code was prior noise, as at sampling time: all of them without a clip encoder.
  prior_examples, prior_fraction = (
    (1.0 - reconstruct, 1.0 - reconstruct_fraction) if "clip_mean" in outputs else (jnp.ones_like(reconstruct), 1.0)
  )
  if "recovered_code" in outputs:
    error = jnp.abs(outputs["recovered_code"] - outputs["code"]).mean(axis=-1)
    latent_l1 = masked_mean(error, prior_examples, prior_fraction)
    loss += cfg.latent_regression_weight * latent_l1
    metrics["latent_l1"] = latent_l1
  if "foreground_alpha" in outputs:
    # Reported, not penalised: the share of the clip the foreground (agent) stream paints over the
    # background stream's.
    metrics["foreground_area"] = outputs["foreground_alpha"].mean()
  if "background" in outputs:
    # The temporal median of a clip keeps what stands still (the scene) and drops what moves past
    # a pixel in most frames (the agent).
    scene = jnp.median(video, axis=1, keepdims=True)
    error = jnp.abs(outputs["background"] - scene).mean(axis=(1, 2, 3, 4))
    background_l1 = masked_mean(error, reconstruct, reconstruct_fraction)
    loss += cfg.background_l1_weight * background_l1
    metrics["background_l1"] = background_l1
  factor_logits = sorted(k for k in outputs if k.startswith("factor_logits_"))
  if factor_logits:
    text_ce = factor_cross_entropy([outputs[k] for k in factor_logits], outputs["factor_labels"])
    loss += cfg.factor_text_weight * text_ce
    metrics["factor_text_ce"] = text_ce
  if "disc_factor_logits" in outputs:
    # AC-GAN: the generated clip should show the classes its caption names.
    classifier = factor_cross_entropy(outputs["disc_factor_logits"], outputs["factor_labels"])
    loss += cfg.gamma_gan * cfg.disc_classifier_weight * classifier
    metrics["g_classifier_ce"] = classifier
  if "disc_features" in outputs:
    spread = feature_spread(
      outputs["disc_features"], outputs["code"], outputs["factor_labels"], prior_examples, axis_name
    )
    loss -= cfg.mode_seeking_weight * spread
    metrics["feature_spread"] = spread
  metrics["g_loss"] = loss
  return loss, metrics


def discriminator_objective(
  real,
  fake,
  mismatch,
  mismatch_valid,
  cfg: ml_collections.ConfigDict,
  r1: jax.Array | None = None,
  classes: tuple[list[jax.Array], jax.Array] | None = None,
) -> tuple[jax.Array, dict[str, jax.Array]]:
  """The discriminator's loss and metrics from its logits [B] on (real clip, caption), (generated
  clip, caption) and (real clip, mismatched caption); `r1`: the R1 penalty, when it is on;
  `classes`, with model.disc_classifier: its classifier's logits for the real clips (a list over
  factors of [B, classes_i]) and their labels [B, F] (int)."""
  loss = discriminator_loss(cfg.gan, real, fake, mismatch, mismatch_valid, cfg.mismatch_weight)
  metrics = {"d_real": real.mean(), "d_fake": fake.mean(), "d_mismatch": mismatch.mean()}
  if r1 is not None:
    loss += 0.5 * cfg.r1_weight * r1
    metrics["r1"] = r1
  if classes is not None:
    classifier = factor_cross_entropy(*classes)
    metrics["d_classifier_ce"] = classifier
    metrics["d_classifier_accuracy"] = factor_accuracy(*classes)
    loss += cfg.disc_classifier_weight * classifier
  metrics["d_loss"] = loss
  return loss, metrics
