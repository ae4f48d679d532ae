"""The refine generator: Text2Filter on gist features, then 3D up-convolutions to a clip."""

import flax.linen as nn
import jax
import jax.numpy as jnp

from vidgan_jax.models.layers import DownBlock, Dtype, UpBlock, conv3x3x3, group_norm


class Text2Filter(nn.Module):
  """Turns each caption into its own conv kernel and applies it to that sample's features.

  features [B, h, w, C], text [B, D] -> [B, h, w, filters]. One kernel [k, k, C, filters] per
  sample, applied with a vmapped convolution (the per-sample "dynamic filter" of the paper).
  """
  filters: int
  kernel_size: int
  dtype: Dtype

  @nn.compact
  def __call__(self, features: jax.Array, text: jax.Array) -> jax.Array:
    k, channels = self.kernel_size, features.shape[-1]
    kernels = nn.Dense(k * k * channels * self.filters, dtype=self.dtype)(text)
    # Scale as a fan-in initialiser would, so the filtered features start at unit scale.
    kernels = kernels.reshape(-1, k, k, channels, self.filters) / jnp.sqrt(k * k * channels).astype(self.dtype)

    def conv_one(x, kernel):  # x [h, w, C], kernel [k, k, C, F]
      return jax.lax.conv_general_dilated(x[None], kernel, (1, 1), "SAME",
                                          dimension_numbers=("NHWC", "HWIO", "NHWC"))[0]

    return jax.vmap(conv_one)(features.astype(self.dtype), kernels)


class RefineGenerator(nn.Module):
  """(gist [B, H, W, 3], text [B, D], noise [B, N]) -> clip [B, T, H, W, 3] in [-1, 1], float32.

  Works at a quarter of the clip's resolution in time and space, then doubles it twice.
  """
  frames: int
  width: int
  filters: int
  filter_size: int
  upsample: str
  downsample: str
  dtype: Dtype = jnp.float32
  conv3d: str = "native"  # See `layers.conv3x3x3`.

  @nn.compact
  def __call__(self, gist: jax.Array, text: jax.Array, noise: jax.Array) -> jax.Array:
    batch, height, width, _ = gist.shape
    text = text.astype(self.dtype)
    features = gist.astype(self.dtype)
    for i in range(2):
      features = DownBlock(self.width * 2 ** i, self.dtype, self.downsample)(features)  # [B, H/4, W/4, 2w]
    filtered = nn.relu(Text2Filter(self.filters, self.filter_size, self.dtype)(features, text))
    scene = jnp.concatenate([features, filtered], -1)  # [B, h, w, 2w + F]

    frames0 = self.frames // 4
    motion = nn.Dense(frames0 * self.width, dtype=self.dtype)(
        jnp.concatenate([noise.astype(self.dtype), text], -1))
    motion = motion.reshape(batch, frames0, 1, 1, self.width)  # A code per coarse time step.
    h, w = scene.shape[1:3]
    x = jnp.concatenate([jnp.broadcast_to(scene[:, None], (batch, frames0) + scene.shape[1:]),
                         jnp.broadcast_to(motion, (batch, frames0, h, w, self.width))], -1)
    x = conv3x3x3(4 * self.width, self.conv3d, self.dtype)(x)
    x = nn.relu(group_norm(4 * self.width, self.dtype)(x))
    x = UpBlock(2 * self.width, 3, self.upsample, self.dtype, self.conv3d)(x)
    x = UpBlock(self.width, 3, self.upsample, self.dtype, self.conv3d)(x)  # [B, T, H, W, w]
    # The gist image itself joins the last layer, so the background it sketched is directly usable.
    gist_frames = jnp.broadcast_to(gist[:, None].astype(self.dtype), (batch, self.frames, height, width, 3))
    x = conv3x3x3(3, self.conv3d, self.dtype)(jnp.concatenate([x, gist_frames], -1))
    return jnp.tanh(x.astype(jnp.float32))
