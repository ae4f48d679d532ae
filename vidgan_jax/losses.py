"""GAN, CVAE and reconstruction losses; all are means over examples, so they pmean exactly."""

import jax
import jax.numpy as jnp


def gaussian_kl(mean, log_var, prior_mean, prior_log_var) -> jax.Array:
  """KL(N(mean, var) || N(prior_mean, prior_var)) summed over latent dims: [B, Z] -> [B]."""
  return 0.5 * jnp.sum(
    prior_log_var - log_var + (jnp.exp(log_var) + (mean - prior_mean) ** 2) / jnp.exp(prior_log_var) - 1.0, axis=-1
  )


def standard_normal_kl(mean, log_var) -> jax.Array:
  """KL(N(mean, var) || N(0, I)) summed over latent dims: [B, Z] -> [B]."""
  return 0.5 * jnp.sum(jnp.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)


def discriminator_loss(kind: str, real, fake, mismatch, mismatch_valid, mismatch_weight: float) -> jax.Array:
  """Matching-aware D loss over logits [B]: (real, text) is real; (fake, text) and (real, wrong text) fake.

  `mismatch_valid` [B] zeroes examples with no mismatched caption; the fake side is split between
  generated clips (1 - mismatch_weight) and mismatched captions (mismatch_weight).
  """
  if kind == "hinge":
    real_term, fake_term, mismatch_term = jax.nn.relu(1 - real), jax.nn.relu(1 + fake), jax.nn.relu(1 + mismatch)
  elif kind == "non_saturating":
    real_term, fake_term, mismatch_term = jax.nn.softplus(-real), jax.nn.softplus(fake), jax.nn.softplus(mismatch)
  else:
    raise ValueError(f"unknown GAN loss {kind!r}: use 'hinge' or 'non_saturating'")
  return jnp.mean(real_term + (1 - mismatch_weight) * fake_term + mismatch_weight * mismatch_valid * mismatch_term)


def generator_adversarial_loss(kind: str, fake) -> jax.Array:
  """G's adversarial loss over D's logits [B] for generated clips with their own captions."""
  if kind == "hinge":
    return -jnp.mean(fake)
  if kind == "non_saturating":
    return jnp.mean(jax.nn.softplus(-fake))
  raise ValueError(f"unknown GAN loss {kind!r}: use 'hinge' or 'non_saturating'")
