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


_LECUN_NORMAL = nn.initializers.lecun_normal()


def icnr(blocks: int, base=_LECUN_NORMAL):
  """ICNR initialisation for sub-pixel convs: every output block position starts with the same
  kernel, so the initial upsampling is nearest-neighbour and free of checkerboard artefacts."""

  def init(key, shape, dtype=jnp.float32):
    base_kernel = base(key, shape[:-1] + (shape[-1] // blocks,), dtype)
    return jnp.tile(base_kernel, (1,) * (len(shape) - 1) + (blocks,))

  return init


def per_frame_conv(
  lhs,
  rhs,
  window_strides,
  padding,
  *,
  lhs_dilation=None,
  rhs_dilation=None,
  dimension_numbers=None,
  feature_group_count=1,
  precision=None,
) -> jax.Array:
  """`lax.conv_general_dilated` for a stride-1 "SAME" 3D conv, computed as one 2D conv over frames.

  lhs [B, T, H, W, C], rhs [kt, kh, kw, C, F] (flax's layouts) -> [B, T, H, W, F]. The kt temporal
  taps are stacked along channels ([B*T, H, W, kt*C]) and the kernel reshaped to [kh, kw, kt*C, F]:
  the same sums, the same parameters. XLA's CPU backend runs such 2D convs 1.3-3.5x faster than
  3-wide 3D ones (gradients included, measured), and slower for 2-wide ones, so only the 3-wide
  convs take this path. `dimension_numbers` must be flax's defaults for 3D (it is ignored).
  """
  del dimension_numbers  # flax passes NDHWC/DHWIO/NDHWC, which the reshapes below assume.
  if (
    padding != "SAME"
    or any(s != 1 for s in window_strides)
    or feature_group_count != 1
    or any(d != 1 for d in (*(lhs_dilation or ()), *(rhs_dilation or ())))
  ):
    raise ValueError("per_frame_conv supports stride-1, undilated, ungrouped 'SAME' convs only")
  batch, frames, height, width, channels = lhs.shape
  taps = rhs.shape[0]
  before = (taps - 1) // 2  # As "SAME" pads an axis: the extra zero goes after.
  padded = jnp.pad(lhs, [(0, 0), (before, taps - 1 - before), (0, 0), (0, 0), (0, 0)])
  stacked = jnp.concatenate([padded[:, t : t + frames] for t in range(taps)], axis=-1)
  kernel = rhs.transpose(1, 2, 0, 3, 4).reshape(rhs.shape[1], rhs.shape[2], taps * channels, rhs.shape[4])
  out = jax.lax.conv_general_dilated(
    stacked.reshape(batch * frames, height, width, taps * channels),
    kernel,
    (1, 1),
    "SAME",
    dimension_numbers=("NHWC", "HWIO", "NHWC"),
    precision=precision,
  )
  return out.reshape(batch, frames, height, width, -1)


CONV3D_IMPLS = ("native", "per_frame")


def conv3x3x3(features: int, impl: str, dtype: Dtype, **kwargs) -> nn.Conv:
  """A 3x3x3 "SAME" conv; `impl` "native" (one 3D conv) or "per_frame" (`per_frame_conv`)."""
  if impl not in CONV3D_IMPLS:
    raise ValueError(f"unknown model.conv3d {impl!r}: use one of {CONV3D_IMPLS}")
  return nn.Conv(
    features, (3, 3, 3), dtype=dtype, conv_general_dilated=per_frame_conv if impl == "per_frame" else None, **kwargs
  )


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
  conv3d: str = "native"  # How 3x3x3 convs are computed (see `conv3x3x3`).

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    if self.method == "transpose":
      return nn.ConvTranspose(
        self.features, (4,) * self.ndim, strides=(2,) * self.ndim, padding="SAME", dtype=self.dtype
      )(x)
    if self.method == "subpixel":
      blocks = 2**self.ndim
      if self.ndim == 3:
        x = conv3x3x3(self.features * blocks, self.conv3d, self.dtype, kernel_init=icnr(blocks))(x)
      else:
        x = nn.Conv(self.features * blocks, (3, 3), dtype=self.dtype, kernel_init=icnr(blocks))(x)
      return depth_to_space(x, (2,) * self.ndim)
    raise ValueError(f"unknown upsample method {self.method!r}: use 'subpixel' or 'transpose'")


class UpBlock(nn.Module):
  """Upsample, GroupNorm, ReLU, then a conv refining the doubled resolution."""

  features: int
  ndim: int
  method: str
  dtype: Dtype
  conv3d: str = "native"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    x = Upsample(self.features, self.ndim, self.method, self.dtype, self.conv3d)(x)
    x = nn.relu(group_norm(self.features, self.dtype)(x))
    if self.ndim == 3:
      x = conv3x3x3(self.features, self.conv3d, self.dtype)(x)
    else:
      x = nn.Conv(self.features, (3, 3), dtype=self.dtype)(x)
    return nn.relu(group_norm(self.features, self.dtype)(x))


def space_to_depth(x: jax.Array, factors: tuple[int, ...]) -> jax.Array:
  """Folds space blocks into channels: [B, *(S*f), C] -> [B, *S, prod(f)*C] (inverse of depth_to_space)."""
  batch, *spatial, channels = x.shape
  n = len(spatial)
  x = x.reshape(batch, *(a for s, f in zip(spatial, factors) for a in (s // f, f)), channels)
  order = [0] + [1 + 2 * i for i in range(n)] + [2 + 2 * i for i in range(n)] + [1 + 2 * n]
  x = x.transpose(order)
  return x.reshape(batch, *(s // f for s, f in zip(spatial, factors)), math.prod(factors) * channels)


class DownBlock(nn.Module):
  """Halves every axis of [B, *S, C] (2D or 3D by the input's rank), then leaky ReLU.

  `strided`: a 4-wide stride-2 conv. `space_to_depth`: fold 2x2(x2) blocks into channels, then a
  2-wide stride-1 conv: the same receptive field, but its gradient with respect to the input is
  again an ordinary convolution, where the strided conv's is a transposed one (slow on CPU, and
  paid twice per step: for the discriminator's R1 term and for the generator's loss through it).
  """

  features: int
  dtype: Dtype
  method: str = "strided"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    ndim = x.ndim - 2
    if self.method == "strided":
      x = nn.Conv(self.features, (4,) * ndim, strides=(2,) * ndim, dtype=self.dtype)(x)
    elif self.method == "space_to_depth":
      # Zero-pad odd axes (e.g. a clip already down to one frame), as a strided SAME conv would.
      x = jnp.pad(x, [(0, 0)] + [(0, size % 2) for size in x.shape[1:-1]] + [(0, 0)])
      x = nn.Conv(self.features, (2,) * ndim, dtype=self.dtype)(space_to_depth(x, (2,) * ndim))
    else:
      raise ValueError(f"unknown downsample method {self.method!r}: use 'strided' or 'space_to_depth'")
    return nn.leaky_relu(x, 0.2)
