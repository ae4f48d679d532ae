"""The conditional, matching-aware 3D-conv discriminator."""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from vidgan_jax.models.layers import DownBlock, Dtype


class VideoDiscriminator(nn.Module):
  """(clip [B, T, H, W, 3], text embedding [B, D]) -> logit [B], float32.

  Stride-2 3D convs reduce the clip. `conditioning` "concat" (the paper's): the text embedding is
  projected, replicated over the remaining (t, h, w) grid and concatenated before a 1x1x1 conv
  judges clip and caption together. "projection" (Miyato & Koyama, 2018): the logit is an
  unconditional score plus the inner product of the pooled clip features with a projection of the
  text, so the caption acts on the verdict directly rather than as extra input channels.

  With `factor_classes` (AC-GAN), a linear head per factor classifies the pooled clip features,
  before the caption joins them, and `sow`s its logits [B, classes_i] as "factor_logits_<i>":
  read them with `models.sown_factor_logits` from an apply with mutable=["intermediates"]
  (otherwise a no-op). The pooled clip features [B, C] themselves are sown as "clip_features" (read
  with `models.sown_clip_features`; the mode-seeking term compares them).
  """

  widths: Sequence[int]
  text_dim: int
  downsample: str
  conditioning: str = "concat"
  dtype: Dtype = jnp.float32
  factor_classes: tuple[int, ...] = ()

  @nn.compact
  def __call__(self, video: jax.Array, text: jax.Array) -> jax.Array:
    x = video.astype(self.dtype)
    for features in self.widths:
      x = DownBlock(features, self.dtype, self.downsample)(x)
    clip_features = x.mean(axis=(1, 2, 3)).astype(jnp.float32)  # [B, C], before the caption joins.
    self.sow("intermediates", "clip_features", clip_features)
    for i, classes in enumerate(self.factor_classes):
      self.sow(
        "intermediates",
        f"factor_logits_{i}",
        nn.Dense(classes, dtype=jnp.float32, name=f"factor_head_{i}")(clip_features),
      )
    if self.conditioning == "projection":
      projected = nn.Dense(clip_features.shape[-1], dtype=jnp.float32)(text.astype(jnp.float32))
      return nn.Dense(1, dtype=jnp.float32)(clip_features)[:, 0] + jnp.sum(projected * clip_features, axis=-1)
    elif self.conditioning == "concat":
      t = nn.leaky_relu(nn.Dense(self.text_dim, dtype=self.dtype)(text.astype(self.dtype)), 0.2)
      t = jnp.broadcast_to(t[:, None, None, None, :], x.shape[:4] + (self.text_dim,))
      x = nn.leaky_relu(nn.Conv(self.widths[-1], (1, 1, 1), dtype=self.dtype)(jnp.concatenate([x, t], -1)), 0.2)
      pooled = x.mean(axis=(1, 2, 3)).astype(jnp.float32)
      return nn.Dense(1, dtype=jnp.float32)(pooled)[:, 0]
    raise ValueError(f"unknown model.disc_conditioning {self.conditioning!r}: use 'concat' or 'projection'")
