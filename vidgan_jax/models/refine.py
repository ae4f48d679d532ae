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
      return jax.lax.conv_general_dilated(x[None], kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))[
        0
      ]

    return jax.vmap(conv_one)(features.astype(self.dtype), kernels)


class RefineGenerator(nn.Module):
  """(gist [B, H, W, 3], text [B, D], noise [B, N]) -> (clip [B, T, H, W, 3] in [-1, 1], the
  foreground's alpha [B, T, H, W, 1] in [0, 1] or None when not layered), both float32.

  Works at a quarter of the clip's resolution in time and space, then doubles it twice. When
  layered, the foreground stream sees `foreground_text` [B, D] (default: `text`) instead.
  """

  frames: int
  width: int
  filters: int
  filter_size: int
  upsample: str
  downsample: str
  dtype: Dtype = jnp.float32
  conv3d: str = "native"  # See `layers.conv3x3x3`.
  # How the noise (or the clip's code) enters: "vector", one code per coarse time step broadcast
  # over space; "spatial", a code per coarse (t, y, x) cell with `motion_channels` channels, so
  # that where an agent is and how it moves can come from the noise.
  motion_code: str = "vector"
  motion_channels: int = 8
  # "Layered" (two streams, as in Vondrick et al.'s VGAN): a foreground stream that sees the text
  # and the noise but not the gist draws the agent and its alpha mask over the clip above. What
  # agent to draw must then come from the caption's words, not from the scene's pixels.
  layered: bool = False

  def motion(self, noise: jax.Array, text: jax.Array, grid: tuple[int, int, int]) -> jax.Array:
    """(noise [B, N], text [B, D]) -> motion features [B, t, h, w, C] on the coarse grid."""
    frames0, h, w = grid
    code = jnp.concatenate([noise.astype(self.dtype), text], -1)
    if self.motion_code == "vector":
      motion = nn.Dense(frames0 * self.width, dtype=self.dtype)(code)
      return jnp.broadcast_to(motion.reshape(-1, frames0, 1, 1, self.width), (code.shape[0], *grid, self.width))
    if self.motion_code == "spatial":
      motion = nn.Dense(frames0 * h * w * self.motion_channels, dtype=self.dtype)(code)
      return motion.reshape(-1, *grid, self.motion_channels)
    raise ValueError(f"unknown model.motion_code {self.motion_code!r}: use 'vector' or 'spatial'")

  @nn.compact
  def __call__(
    self, gist: jax.Array, text: jax.Array, noise: jax.Array, foreground_text: jax.Array | None = None
  ) -> tuple[jax.Array, jax.Array | None]:
    batch, height, width, _ = gist.shape
    text = text.astype(self.dtype)
    features = gist.astype(self.dtype)
    for i in range(2):
      features = DownBlock(self.width * 2**i, self.dtype, self.downsample)(features)  # [B, H/4, W/4, 2w]
    filtered = nn.relu(Text2Filter(self.filters, self.filter_size, self.dtype)(features, text))
    scene = jnp.concatenate([features, filtered], -1)  # [B, h, w, 2w + F]

    grid = (self.frames // 4,) + scene.shape[1:3]
    x = jnp.concatenate(
      [jnp.broadcast_to(scene[:, None], (batch,) + grid + scene.shape[3:]), self.motion(noise, text, grid)], -1
    )
    x = conv3x3x3(4 * self.width, self.conv3d, self.dtype)(x)
    x = nn.relu(group_norm(4 * self.width, self.dtype)(x))
    x = UpBlock(2 * self.width, 3, self.upsample, self.dtype, self.conv3d)(x)
    x = UpBlock(self.width, 3, self.upsample, self.dtype, self.conv3d)(x)  # [B, T, H, W, w]
    # The gist image itself joins the last layer, so the background it sketched is directly usable.
    gist_frames = jnp.broadcast_to(gist[:, None].astype(self.dtype), (batch, self.frames, height, width, 3))
    x = conv3x3x3(3, self.conv3d, self.dtype)(jnp.concatenate([x, gist_frames], -1))
    background = jnp.tanh(x.astype(jnp.float32))
    if not self.layered:
      return background, None
    # A second call of `motion`: the foreground gets its own projection of the same noise.
    foreground_text = text if foreground_text is None else foreground_text.astype(self.dtype)
    foreground, alpha = ForegroundStream(self.width, self.upsample, self.dtype, self.conv3d)(
      self.motion(noise, foreground_text, grid), foreground_text
    )
    # Each stream alone, for loss.background_l1_weight and diagnostics (apply with
    # mutable=["intermediates"] and read them with models.sown_streams; a no-op otherwise).
    self.sow("intermediates", "background", background)
    self.sow("intermediates", "foreground", foreground)
    return alpha * foreground + (1.0 - alpha) * background, alpha


class ForegroundStream(nn.Module):
  """(motion features [B, t, h, w, C], text [B, D]) -> foreground clip [B, T, H, W, 3] in [-1, 1]
  and its alpha [B, T, H, W, 1] in [0, 1], both float32, at 4x the grid in time and space."""

  width: int
  upsample: str
  dtype: Dtype
  conv3d: str

  @nn.compact
  def __call__(self, motion: jax.Array, text: jax.Array) -> tuple[jax.Array, jax.Array]:
    text = nn.Dense(self.width, dtype=self.dtype)(text)
    x = jnp.concatenate([motion, jnp.broadcast_to(text[:, None, None, None], motion.shape[:4] + (self.width,))], -1)
    x = nn.relu(group_norm(2 * self.width, self.dtype)(conv3x3x3(2 * self.width, self.conv3d, self.dtype)(x)))
    x = UpBlock(2 * self.width, 3, self.upsample, self.dtype, self.conv3d)(x)
    x = UpBlock(self.width, 3, self.upsample, self.dtype, self.conv3d)(x)
    x = conv3x3x3(4, self.conv3d, self.dtype)(x).astype(jnp.float32)
    return jnp.tanh(x[..., :3]), jax.nn.sigmoid(x[..., 3:])
