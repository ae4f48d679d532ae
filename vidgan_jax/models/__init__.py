"""The text-to-video GAN: a generator (text encoder, sketch, refine) and a discriminator."""

from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from vidgan_jax.models.clip_encoder import ClipEncoder
from vidgan_jax.models.discriminator import VideoDiscriminator
from vidgan_jax.models.layers import CONV3D_IMPLS, Dtype
from vidgan_jax.models.refine import RefineGenerator, Text2Filter
from vidgan_jax.models.sketch import SketchGenerator
from vidgan_jax.models.text_encoder import FactorBottleneck, TextEncoder

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


class Conditioning(NamedTuple):
  """What each stage of the generator is conditioned on, each [B, D]."""

  text: jax.Array  # The whole caption (clip encoder, latent regression).
  background: jax.Array  # The sketch and the refine stage's background stream.
  foreground: jax.Array  # The refine stage's foreground (agent) stream, when layered.
  factor_logits: dict[str, jax.Array]  # With the factor bottleneck: "factor_logits_<i>" [B, classes_i].


class Generator(nn.Module):
  """Caption tokens [B, L] -> clip [B, T, H, W, 3] and gist [B, H, W, 3], both in [-1, 1]."""

  text_encoder: TextEncoder
  sketch: SketchGenerator
  refine: RefineGenerator
  gist_target: str  # "mean" (temporal mean of the clip) or "first" (its first frame)
  clip_encoder: ClipEncoder | None = None  # The cVAE-GAN path (model.clip_encoder); None: off.
  factor_bottleneck: FactorBottleneck | None = None  # model.factor_bottleneck; None: off.
  # model.background_factors, as indices into the bottleneck's factors: only their codes reach the
  # sketch and the background stream, only the others' the foreground stream. (): all reach all.
  background_factors: tuple[int, ...] = ()

  def condition(self, tokens: jax.Array) -> Conditioning:
    """Caption tokens [B, L] -> the embeddings each stage is conditioned on."""
    if self.factor_bottleneck is None:
      text = self.text_encoder(tokens)
      return Conditioning(text, text, text, {})
    reads_sentence = self.factor_bottleneck.readout == "sentence"
    codes, logits = self.factor_bottleneck(tokens, self.text_encoder(tokens) if reads_sentence else None)
    logits = {f"factor_logits_{i}": value for i, value in enumerate(logits)}
    whole = sum(codes)
    if not self.background_factors:
      return Conditioning(whole, whole, whole, logits)
    background = sum(code for i, code in enumerate(codes) if i in self.background_factors)
    foreground = sum(code for i, code in enumerate(codes) if i not in self.background_factors)
    return Conditioning(whole, background, foreground, logits)

  def target_gist(self, video: jax.Array) -> jax.Array:
    """The image the sketch stage reconstructs: [B, T, H, W, 3] -> [B, H, W, 3]."""
    if self.gist_target == "mean":
      return video.mean(axis=1)
    if self.gist_target == "first":
      return video[:, 0]
    raise ValueError(f"unknown gist_target {self.gist_target!r}: use 'mean' or 'first'")

  def __call__(
    self,
    tokens: jax.Array,
    video: jax.Array,
    z_noise: jax.Array,
    video_noise: jax.Array,
    encode: jax.Array | None = None,
  ) -> dict[str, jax.Array]:
    """Training pass with the posterior q(z | text, gist target of `video`).

    With a clip encoder, examples where `encode` [B] (bool) is set take the clip's own code
    w = mean + std * video_noise from q(w | clip, text) instead of the noise itself; the output
    then holds "clip_mean" and "clip_log_var" [B, noise_dim].
    """
    condition = self.condition(tokens)
    target = self.target_gist(video)
    out = self.sketch(condition.background, target, z_noise)
    out["gist_target"] = target
    out.update(condition.factor_logits)
    if self.clip_encoder is not None:
      mean, log_var = self.clip_encoder(video, condition.text)
      code = mean + jnp.exp(0.5 * log_var) * video_noise
      if encode is not None:
        code = jnp.where(encode[:, None], code, video_noise)
      video_noise = code
      out["clip_mean"], out["clip_log_var"] = mean, log_var
    out["video"], alpha = self.refine(out["gist"], condition.background, video_noise, condition.foreground)
    if alpha is not None:
      out["foreground_alpha"] = alpha
    out["text"], out["code"] = condition.text, video_noise
    return out

  def recover_code(self, video: jax.Array, text: jax.Array) -> jax.Array:
    """The clip encoder's mean code [B, noise_dim] of clips [B, T, H, W, 3] with text embeddings
    [B, D]: BicycleGAN's latent regression recovers the noise a clip was made from with it."""
    return self.clip_encoder(video, text)[0]

  def sample(self, tokens: jax.Array, z_noise: jax.Array, video_noise: jax.Array) -> dict[str, jax.Array]:
    """Generation from text alone, z drawn from the prior p(z | text)."""
    condition = self.condition(tokens)
    gist = self.sketch.sample(condition.background, z_noise)
    video, alpha = self.refine(gist, condition.background, video_noise, condition.foreground)
    return {"gist": gist, "video": video} | ({} if alpha is None else {"foreground_alpha": alpha})


def sown_streams(state: dict) -> dict[str, jax.Array]:
  """The layered refine stage's streams alone, "background" and "foreground" [B, T, H, W, 3],
  from the variables of a Generator applied with mutable=["intermediates"]."""
  return {name: values[0] for name, values in state["intermediates"]["refine"].items()}


def sown_factor_logits(state: dict) -> list[jax.Array]:
  """The discriminator's classifier logits, one [B, classes_i] per factor in factor order, from
  the variables of a Discriminator applied with mutable=["intermediates"] (see
  `VideoDiscriminator`); [] when the discriminator has no classifier."""
  sown = state["intermediates"]["video"]
  names = sorted((k for k in sown if k.startswith("factor_logits_")), key=lambda k: int(k.rsplit("_", 1)[1]))
  return [sown[name][0] for name in names]


def sown_clip_features(state: dict) -> jax.Array:
  """The discriminator's pooled clip features [B, C], before the caption joins them, from the
  variables of a Discriminator applied with mutable=["intermediates"] (see `VideoDiscriminator`)."""
  return state["intermediates"]["video"]["clip_features"][0]


class Discriminator(nn.Module):
  """(clip [B, T, H, W, 3], caption tokens [B, L]) -> logit [B]."""

  text_encoder: TextEncoder
  video: VideoDiscriminator

  def __call__(self, video: jax.Array, tokens: jax.Array) -> jax.Array:
    return self.video(video, self.text_encoder(tokens))


def _text_encoder(m: ml_collections.ConfigDict, vocab_size: int, dtype: Dtype) -> TextEncoder:
  return TextEncoder(
    vocab_size=vocab_size,
    embed_dim=m.text_embed_dim,
    num_layers=m.text_layers,
    num_heads=m.text_heads,
    out_dim=m.text_dim,
    dtype=dtype,
  )


def _factor_bottleneck(config: ml_collections.ConfigDict, vocab_size: int, dtype: Dtype) -> FactorBottleneck:
  m = config.model
  return FactorBottleneck(
    tuple(config.factor_classes), m.text_dim, m.factor_readout, vocab_size, m.text_embed_dim, dtype
  )


def _background_factors(config: ml_collections.ConfigDict) -> tuple[int, ...]:
  """model.background_factors, names of config.factor_keys (configs.check_values), as indices."""
  return tuple(list(config.factor_keys).index(name) for name in config.model.background_factors)


def build_models(config: ml_collections.ConfigDict, vocab_size: int) -> tuple[Generator, Discriminator]:
  """The two networks for `config.model` and the clip shape `config.frames` x `config.size`^2;
  `config.factor_classes` sizes the per-factor parts (model.factor_bottleneck,
  model.disc_classifier)."""
  m = config.model
  if m.dtype not in DTYPES:
    raise ValueError(f"model.dtype={m.dtype!r} is not one of {sorted(DTYPES)}")
  dtype = DTYPES[m.dtype]
  if m.conv3d not in CONV3D_IMPLS:
    raise ValueError(f"model.conv3d={m.conv3d!r} is not one of {list(CONV3D_IMPLS)}")
  if config.size < 8 or config.size & (config.size - 1):
    raise ValueError(f"size={config.size} must be a power of two >= 8")
  if config.frames % 4:
    raise ValueError(f"frames={config.frames} must be a multiple of 4 (two temporal doublings)")
  generator = Generator(
    text_encoder=_text_encoder(m, vocab_size, dtype),
    sketch=SketchGenerator(
      size=config.size, z_dim=m.z_dim, width=m.gist_width, upsample=m.upsample, downsample=m.downsample, dtype=dtype
    ),
    refine=RefineGenerator(
      frames=config.frames,
      width=m.refine_width,
      filters=m.filters,
      filter_size=m.filter_size,
      upsample=m.upsample,
      downsample=m.downsample,
      dtype=dtype,
      conv3d=m.conv3d,
      motion_code=m.motion_code,
      motion_channels=m.motion_channels,
      layered=m.layered,
    ),
    gist_target=m.gist_target,
    clip_encoder=ClipEncoder(widths=tuple(m.encoder_widths), code_dim=m.noise_dim, downsample=m.downsample, dtype=dtype)
    if m.clip_encoder
    else None,
    factor_bottleneck=_factor_bottleneck(config, vocab_size, dtype) if m.factor_bottleneck else None,
    background_factors=_background_factors(config),
  )
  discriminator = Discriminator(
    text_encoder=_text_encoder(m, vocab_size, dtype),
    video=VideoDiscriminator(
      widths=tuple(m.disc_widths),
      text_dim=m.disc_text_dim,
      downsample=m.downsample,
      conditioning=m.disc_conditioning,
      dtype=dtype,
      factor_classes=tuple(config.factor_classes) if m.disc_classifier != "none" else (),
    ),
  )
  return generator, discriminator


__all__ = [
  "ClipEncoder",
  "Discriminator",
  "FactorBottleneck",
  "Generator",
  "RefineGenerator",
  "SketchGenerator",
  "Text2Filter",
  "TextEncoder",
  "VideoDiscriminator",
  "build_models",
]
