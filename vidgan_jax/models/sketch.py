"""The sketch ("gist") generator: a conditional VAE producing a blurry layout image.

Training encodes the target image with q(z | text, image); sampling draws z from the learned prior
p(z | text). The decoder maps (z, text) to the gist: background colours and rough layout.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from vidgan_jax.models.layers import DownBlock, Dtype, UpBlock


class Gaussian(nn.Module):
  """Dense head giving a diagonal Gaussian: (mean, log-variance), each [B, z_dim], float32."""

  z_dim: int
  hidden: int
  dtype: Dtype

  @nn.compact
  def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    x = nn.relu(nn.Dense(self.hidden, dtype=self.dtype)(x))
    mean, log_var = jnp.split(nn.Dense(2 * self.z_dim, dtype=jnp.float32)(x), 2, axis=-1)
    return mean, jnp.clip(log_var, -10.0, 10.0)


class SketchGenerator(nn.Module):
  """CVAE over gist images [B, H, W, 3] conditioned on a text embedding [B, D]."""

  size: int  # H == W; a power of two >= 8
  z_dim: int
  width: int
  upsample: str
  downsample: str
  dtype: Dtype = jnp.float32

  @property
  def num_ups(self) -> int:
    return int(math.log2(self.size)) - 2  # The decoder starts at 4x4.

  def setup(self):
    self.encoder_convs = [DownBlock(self.width * 2**i, self.dtype, self.downsample) for i in range(3)]
    self.posterior = Gaussian(self.z_dim, 4 * self.width, self.dtype)
    self.prior = Gaussian(self.z_dim, 4 * self.width, self.dtype)
    self.decoder_in = nn.Dense(16 * self.width * 2**self.num_ups, dtype=self.dtype)
    self.decoder_ups = [
      UpBlock(self.width * 2 ** (self.num_ups - 1 - i), 2, self.upsample, self.dtype) for i in range(self.num_ups)
    ]
    self.decoder_out = nn.Conv(3, (3, 3), dtype=self.dtype)

  def encode(self, text: jax.Array, image: jax.Array) -> tuple[jax.Array, jax.Array]:
    """q(z | text, image): image [B, H, W, 3] -> (mean, log_var) [B, z_dim]."""
    x = image.astype(self.dtype)
    for conv in self.encoder_convs:
      x = conv(x)
    return self.posterior(jnp.concatenate([x.reshape(x.shape[0], -1), text.astype(self.dtype)], -1))

  def prior_params(self, text: jax.Array) -> tuple[jax.Array, jax.Array]:
    """p(z | text) -> (mean, log_var) [B, z_dim]."""
    return self.prior(text.astype(self.dtype))

  def decode(self, z: jax.Array, text: jax.Array) -> jax.Array:
    """(z [B, z_dim], text [B, D]) -> gist [B, H, W, 3] in [-1, 1], float32."""
    x = self.decoder_in(jnp.concatenate([z, text], -1).astype(self.dtype))
    x = nn.relu(x).reshape(x.shape[0], 4, 4, -1)
    for up in self.decoder_ups:
      x = up(x)
    return jnp.tanh(self.decoder_out(x).astype(jnp.float32))

  def __call__(self, text: jax.Array, image: jax.Array, z_noise: jax.Array) -> dict[str, jax.Array]:
    """Training pass: posterior sample -> gist; returns gist and both Gaussians' parameters."""
    mean, log_var = self.encode(text, image)
    prior_mean, prior_log_var = self.prior_params(text)
    z = mean + jnp.exp(0.5 * log_var) * z_noise
    return {
      "gist": self.decode(z, text),
      "mean": mean,
      "log_var": log_var,
      "prior_mean": prior_mean,
      "prior_log_var": prior_log_var,
    }

  def sample(self, text: jax.Array, z_noise: jax.Array) -> jax.Array:
    """Sampling pass: z from the prior -> gist [B, H, W, 3]."""
    mean, log_var = self.prior_params(text)
    return self.decode(mean + jnp.exp(0.5 * log_var) * z_noise, text)
