"""Per-example noise drawn from (seed, step, example index), independent of the device split."""

import jax


def noise_key(seed: int, step) -> jax.Array:
  """The key of one step's noise. Threefry: unlike "rbg", its values under vmap and pmap do not
  depend on how the batch is split, so every example gets the same noise on 1 or 8 devices."""
  return jax.random.fold_in(jax.random.key(seed, impl="threefry2x32"), step)


def example_noise(key: jax.Array, example_index: jax.Array, z_dim: int, noise_dim: int):
  """Per-example normal noise from (key, global example index): z [B, z_dim], video [B, noise_dim]."""

  def one(i):
    k = jax.random.fold_in(key, i)
    kz, kv = jax.random.split(k)
    return jax.random.normal(kz, (z_dim,)), jax.random.normal(kv, (noise_dim,))

  return jax.vmap(one)(example_index)
