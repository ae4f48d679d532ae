"""Building blocks shared by the generators and the discriminator."""

import math
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

Dtype = Any


def group_norm(channels: int, dtype: Dtype) -> nn.GroupNorm:
  """GroupNorm with up to 8 groups: per-example, so results do not depend on the device split."""
  return nn.GroupNorm(num_groups=min(8, channels), dtype=dtype)


def depth_to_space(x: jax.Array, factors: tuple[int, ...]) -> jax.Array:
  """Moves channel blocks into space: [B, *S, prod(f)*C] -> [B, *(S*f), C]."""
  batch, *spatial, channels = x.shape
  out_channels = channels // math.prod(factors)
  x = x.reshape(batch, *spatial, *factors, out_channels)
  n = len(spatial)
  # Interleave each spatial axis with its factor axis: (S0, f0, S1, f1, ...).
  order = [0] + [axis for i in range(n) for axis in (1 + i, 1 + n + i)] + [1 + 2 * n]
  x = x.transpose(order)
  return x.reshape(batch, *(s * f for s, f in zip(spatial, factors)), out_channels)


class Upsample(nn.Module):
  """Doubles every spatial (and temporal) axis of [B, *S, C] and maps C -> `features`.

  `subpixel`: a stride-1 conv to features * 2^d channels, then depth-to-space; `transpose`: the
  paper's stride-2 transposed convolution. Both have a 4-wide receptive field per output; subpixel
  is far faster on CPU, where XLA's transposed 3D convolution is slow.
  """
  features: int
  ndim: int  # 2 for images, 3 for videos
  method: str = "subpixel"
  dtype: Dtype = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    if self.method == "transpose":
      return nn.ConvTranspose(self.features, (4,) * self.ndim, strides=(2,) * self.ndim,
                              padding="SAME", dtype=self.dtype)(x)
    if self.method == "subpixel":
      x = nn.Conv(self.features * 2 ** self.ndim, (3,) * self.ndim, dtype=self.dtype)(x)
      return depth_to_space(x, (2,) * self.ndim)
    raise ValueError(f"unknown upsample method {self.method!r}: use 'subpixel' or 'transpose'")


class UpBlock(nn.Module):
  """Upsample, GroupNorm, ReLU, then a conv refining the doubled resolution."""
  features: int
  ndim: int
  method: str
  dtype: Dtype

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    x = Upsample(self.features, self.ndim, self.method, self.dtype)(x)
    x = nn.relu(group_norm(self.features, self.dtype)(x))
    x = nn.Conv(self.features, (3,) * self.ndim, dtype=self.dtype)(x)
    return nn.relu(group_norm(self.features, self.dtype)(x))


class DownBlock(nn.Module):
  """Stride-2 conv with leaky ReLU over [B, *S, C] (2D or 3D by the input's rank)."""
  features: int
  dtype: Dtype

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    ndim = x.ndim - 2
    x = nn.Conv(self.features, (4,) * ndim, strides=(2,) * ndim, dtype=self.dtype)(x)
    return nn.leaky_relu(x, 0.2)
