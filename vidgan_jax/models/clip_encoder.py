"""The clip encoder q(w | clip, text) of the cVAE-GAN path (as in BicycleGAN's cVAE-GAN).

Without it the refine stage is asked to reproduce a real clip (the clip L1 term) from noise that
knows nothing of that clip: where its agent stands, its colour, its path. The best it can do is
the mean clip of the caption, a blur. With it, the clip's own code w replaces the noise for the
examples that are reconstructed, a KL term keeps q close to N(0, I), and sampling draws w from
N(0, I) as before.
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from vidgan_jax.models.layers import DownBlock, Dtype
from vidgan_jax.models.sketch import Gaussian


class ClipEncoder(nn.Module):
  """(clip [B, T, H, W, 3], text [B, D]) -> (mean, log_var) [B, code_dim], float32."""

  widths: Sequence[int]
  code_dim: int
  downsample: str
  dtype: Dtype = jnp.float32

  @nn.compact
  def __call__(self, video: jax.Array, text: jax.Array) -> tuple[jax.Array, jax.Array]:
    x = video.astype(self.dtype)
    for features in self.widths:
      x = DownBlock(features, self.dtype, self.downsample)(x)
    # Position matters (where the agent is), so keep the coarse grid instead of pooling it away.
    x = x.reshape(x.shape[0], -1)
    return Gaussian(self.code_dim, 4 * self.widths[-1], self.dtype)(jnp.concatenate([x, text.astype(self.dtype)], -1))
