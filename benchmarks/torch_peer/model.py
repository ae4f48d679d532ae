"""The vidgan_jax networks in PyTorch, layer for layer, for timing the same step in both frameworks.

The same layers, widths and options as `vidgan_jax.models.build_models` reads from a config
(`model.*`, `frames`, `size`), in PyTorch's channels-first layout ([B, C, T, H, W]). Only the
options the experiment configs use are ported (sub-pixel upsampling, space-to-depth downsampling,
the spatial motion code, the clip encoder, the projection discriminator, one stream); any other
value is an error that names it. The parameter count of every network equals ours
and, with our weights loaded (`weights.load_ours`), so are its outputs and losses (`peer_test.py`):
channels are laid out as ours wherever it matters (sub-pixel and space-to-depth blocks, flattened
features, Text2Filter's kernels).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

SUPPORTED = {
  "model.upsample": "subpixel",
  "model.downsample": "space_to_depth",
  "model.motion_code": "spatial",
  "model.clip_encoder": True,
  "model.disc_conditioning": "projection",
  "model.layered": False,
  "model.gist_target": "mean",
}


def check_supported(config) -> None:
  for key, value in SUPPORTED.items():
    section, name = key.split(".")
    if config[section][name] != value:
      raise ValueError(f"the PyTorch peer implements {key}={value!r} only; the config has {config[section][name]!r}")


def group_norm(channels: int) -> nn.GroupNorm:
  return nn.GroupNorm(min(8, channels), channels, eps=1e-6)  # flax's GroupNorm epsilon.


def depth_to_space(x: torch.Tensor, ndim: int) -> torch.Tensor:
  """[B, 2^ndim * C, *S] -> [B, C, *(2S)], the channel order of ours (block position, then channel)."""
  b, channels, *spatial = x.shape
  x = x.reshape(b, *(2,) * ndim, channels // 2**ndim, *spatial)
  # (B, f0.., C, S0..) -> (B, C, S0, f0, S1, f1, ...).
  order = [0, 1 + ndim] + [axis for i in range(ndim) for axis in (2 + ndim + i, 1 + i)]
  return x.permute(order).reshape(b, channels // 2**ndim, *(2 * s for s in spatial))


def space_to_depth(x: torch.Tensor, ndim: int) -> torch.Tensor:
  """[B, C, *(2S)] -> [B, 2^ndim * C, *S], the inverse of `depth_to_space`."""
  b, channels, *spatial = x.shape
  x = x.reshape(b, channels, *(a for s in spatial for a in (s // 2, 2)))
  # (B, C, S0, f0, S1, f1, ...) -> (B, f0.., C, S0..).
  order = [0] + [3 + 2 * i for i in range(ndim)] + [1] + [2 + 2 * i for i in range(ndim)]
  return x.permute(order).reshape(b, channels * 2**ndim, *(s // 2 for s in spatial))


def conv(ndim: int, in_channels: int, out_channels: int, kernel: int) -> nn.Module:
  """A stride-1 conv; 3-wide kernels pad 'SAME' (2-wide ones are padded by the caller)."""
  cls = nn.Conv3d if ndim == 3 else nn.Conv2d
  return cls(in_channels, out_channels, kernel, padding=kernel // 2 if kernel % 2 else 0)


class UpBlock(nn.Module):
  """Sub-pixel upsampling (conv to 2^ndim x features, depth-to-space), GN, ReLU, conv, GN, ReLU."""

  def __init__(self, ndim: int, in_channels: int, features: int):
    super().__init__()
    self.ndim = ndim
    self.up = conv(ndim, in_channels, features * 2**ndim, 3)
    self.norm1, self.conv, self.norm2 = group_norm(features), conv(ndim, features, features, 3), group_norm(features)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    x = F.relu(self.norm1(depth_to_space(self.up(x), self.ndim)))
    return F.relu(self.norm2(self.conv(x)))


class DownBlock(nn.Module):
  """Space-to-depth (zero-padding odd axes), a 2-wide conv ('SAME': one zero after), leaky ReLU."""

  def __init__(self, ndim: int, in_channels: int, features: int):
    super().__init__()
    self.ndim = ndim
    self.conv = conv(ndim, in_channels * 2**ndim, features, 2)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    odd = [size % 2 for size in reversed(x.shape[2:])]
    x = F.pad(x, [p for pad in odd for p in (0, pad)]) if any(odd) else x
    x = space_to_depth(x, self.ndim)
    x = F.pad(x, [0, 1] * self.ndim)
    return F.leaky_relu(self.conv(x), 0.2)


def down_stack(ndim: int, in_channels: int, widths) -> nn.Sequential:
  """One DownBlock per width, each halving every axis: as our encoders and discriminator stack them."""
  channels = [in_channels, *widths]
  return nn.Sequential(*(DownBlock(ndim, channels[i], channels[i + 1]) for i in range(len(widths))))


class TextEncoder(nn.Module):
  """int64 tokens [B, L] -> [B, out_dim]; pre-norm transformer, padding (id 0) masked, mean-pooled."""

  def __init__(self, vocab_size: int, max_length: int, embed_dim: int, num_layers: int, num_heads: int, out_dim: int):
    super().__init__()
    self.embed = nn.Embedding(vocab_size, embed_dim)
    self.positions = nn.Parameter(torch.randn(max_length, embed_dim) * 0.02)
    self.layers = nn.ModuleList(
      nn.ModuleDict(
        {
          "norm1": nn.LayerNorm(embed_dim, eps=1e-6),
          "attention": nn.MultiheadAttention(embed_dim, num_heads, batch_first=True),
          "norm2": nn.LayerNorm(embed_dim, eps=1e-6),
          "mlp_in": nn.Linear(embed_dim, 4 * embed_dim),
          "mlp_out": nn.Linear(4 * embed_dim, embed_dim),
        }
      )
      for _ in range(num_layers)
    )
    self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
    self.out = nn.Linear(embed_dim, out_dim)

  def forward(self, tokens: torch.Tensor) -> torch.Tensor:
    mask = tokens != 0
    x = self.embed(tokens) + self.positions
    for layer in self.layers:
      y = layer["norm1"](x)
      x = x + layer["attention"](y, y, y, key_padding_mask=~mask, need_weights=False)[0]
      y = layer["mlp_in"](layer["norm2"](x))
      x = x + layer["mlp_out"](F.gelu(y, approximate="tanh"))
    x = self.norm(x)
    weights = mask[..., None].to(x.dtype)
    return self.out((x * weights).sum(1) / weights.sum(1).clamp(min=1.0))


class Gaussian(nn.Module):
  """Dense, ReLU, Dense -> (mean, log-variance clipped to [-10, 10]), each [B, z_dim]."""

  def __init__(self, in_features: int, z_dim: int, hidden: int):
    super().__init__()
    self.hidden, self.out = nn.Linear(in_features, hidden), nn.Linear(hidden, 2 * z_dim)

  def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean, log_var = self.out(F.relu(self.hidden(x))).float().chunk(2, dim=-1)
    return mean, log_var.clamp(-10.0, 10.0)


class SketchGenerator(nn.Module):
  """The gist CVAE: (text, target gist [B, 3, H, W], z noise) -> gist and both Gaussians."""

  def __init__(self, size: int, z_dim: int, width: int, text_dim: int):
    super().__init__()
    self.num_ups = int(math.log2(size)) - 2
    self.encoder = down_stack(2, 3, [width * 2**i for i in range(3)])
    flat = (size // 8) ** 2 * width * 4
    self.posterior = Gaussian(flat + text_dim, z_dim, 4 * width)
    self.prior = Gaussian(text_dim, z_dim, 4 * width)
    self.decoder_channels = width * 2**self.num_ups
    self.decoder_in = nn.Linear(z_dim + text_dim, 16 * self.decoder_channels)
    channels = [self.decoder_channels] + [width * 2 ** (self.num_ups - 1 - i) for i in range(self.num_ups)]
    self.decoder_ups = nn.Sequential(*(UpBlock(2, channels[i], channels[i + 1]) for i in range(self.num_ups)))
    self.decoder_out = conv(2, channels[-1], 3, 3)

  def decode(self, z: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    x = F.relu(self.decoder_in(torch.cat([z, text], -1))).reshape(-1, 4, 4, self.decoder_channels)
    x = x.permute(0, 3, 1, 2)
    return torch.tanh(self.decoder_out(self.decoder_ups(x)).float())

  def forward(self, text: torch.Tensor, image: torch.Tensor, z_noise: torch.Tensor) -> dict:
    features = self.encoder(image).permute(0, 2, 3, 1).flatten(1)  # Flattened channels-last, as ours.
    mean, log_var = self.posterior(torch.cat([features, text], -1))
    prior_mean, prior_log_var = self.prior(text)
    z = mean + torch.exp(0.5 * log_var) * z_noise
    return {
      "gist": self.decode(z, text),
      "mean": mean,
      "log_var": log_var,
      "prior_mean": prior_mean,
      "prior_log_var": prior_log_var,
    }


class Text2Filter(nn.Module):
  """Per-sample kernels from the caption, applied as one grouped conv: [B, C, h, w] -> [B, F, h, w]."""

  def __init__(self, text_dim: int, channels: int, filters: int, kernel_size: int):
    super().__init__()
    self.channels, self.filters, self.kernel_size = channels, filters, kernel_size
    self.kernels = nn.Linear(text_dim, kernel_size**2 * channels * filters)

  def forward(self, features: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    b, c, h, w = features.shape
    k = self.kernel_size
    kernels = self.kernels(text).reshape(b, k, k, c, self.filters).permute(0, 4, 3, 1, 2)  # Ours: [k, k, C, F].
    kernels = kernels.reshape(b * self.filters, c, k, k) / math.sqrt(k * k * c)
    out = F.conv2d(features.reshape(1, b * c, h, w), kernels.to(features.dtype), padding=k // 2, groups=b)
    return out.reshape(b, self.filters, h, w)


class RefineGenerator(nn.Module):
  """(gist [B, 3, H, W], text [B, D], code [B, N]) -> clip [B, 3, T, H, W] in [-1, 1]."""

  def __init__(self, frames: int, size: int, m, text_dim: int):
    super().__init__()
    w = m.refine_width
    self.grid = (frames // 4, size // 4, size // 4)
    self.frames, self.motion_channels = frames, m.motion_channels
    self.down = nn.Sequential(DownBlock(2, 3, w), DownBlock(2, w, 2 * w))
    self.text2filter = Text2Filter(text_dim, 2 * w, m.filters, m.filter_size)
    self.motion = nn.Linear(m.noise_dim + text_dim, math.prod(self.grid) * m.motion_channels)
    self.conv_in = conv(3, 2 * w + m.filters + m.motion_channels, 4 * w, 3)
    self.norm_in = group_norm(4 * w)
    self.ups = nn.Sequential(UpBlock(3, 4 * w, 2 * w), UpBlock(3, 2 * w, w))
    self.conv_out = conv(3, w + 3, 3, 3)

  def forward(self, gist: torch.Tensor, text: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
    b = gist.shape[0]
    features = self.down(gist)
    scene = torch.cat([features, F.relu(self.text2filter(features, text))], 1)
    motion = self.motion(torch.cat([code, text], -1)).reshape(b, *self.grid, self.motion_channels)
    x = torch.cat([scene[:, :, None].expand(-1, -1, self.grid[0], -1, -1), motion.permute(0, 4, 1, 2, 3)], 1)
    x = self.ups(F.relu(self.norm_in(self.conv_in(x))))
    gist_frames = gist[:, :, None].expand(-1, -1, self.frames, -1, -1).to(x.dtype)
    return torch.tanh(self.conv_out(torch.cat([x, gist_frames], 1)).float())


class ClipEncoder(nn.Module):
  """(clip [B, 3, T, H, W], text) -> (mean, log_var) [B, code_dim], keeping the coarse grid."""

  def __init__(self, frames: int, size: int, widths, code_dim: int, text_dim: int):
    super().__init__()
    self.downs = down_stack(3, 3, widths)
    t, s = frames, size
    for _ in widths:
      t, s = (t + 1) // 2, (s + 1) // 2
    self.gaussian = Gaussian(t * s * s * widths[-1] + text_dim, code_dim, 4 * widths[-1])

  def forward(self, video: torch.Tensor, text: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    features = self.downs(video).permute(0, 2, 3, 4, 1).flatten(1)  # Flattened channels-last, as ours.
    return self.gaussian(torch.cat([features, text], -1))


def text_encoder(config, vocab_size: int) -> TextEncoder:
  """The caption encoder of `config.model` (the generator and the discriminator each have one)."""
  m = config.model
  return TextEncoder(vocab_size, config.text.max_length, m.text_embed_dim, m.text_layers, m.text_heads, m.text_dim)


class Generator(nn.Module):
  def __init__(self, config, vocab_size: int):
    super().__init__()
    m = config.model
    self.text_encoder = text_encoder(config, vocab_size)
    self.sketch = SketchGenerator(config.size, m.z_dim, m.gist_width, m.text_dim)
    self.clip_encoder = ClipEncoder(config.frames, config.size, m.encoder_widths, m.noise_dim, m.text_dim)
    self.refine = RefineGenerator(config.frames, config.size, m, m.text_dim)

  def forward(self, tokens, video, z_noise, video_noise, encode) -> dict:
    """Training pass; video [B, 3, T, H, W] in [-1, 1]; `encode` [B] picks the examples given
    their own clip code instead of the noise."""
    text = self.text_encoder(tokens)
    target = video.mean(2)
    out = self.sketch(text, target, z_noise)
    out["gist_target"] = target
    mean, log_var = self.clip_encoder(video, text)
    code = torch.where(encode[:, None], mean + torch.exp(0.5 * log_var) * video_noise, video_noise)
    out["clip_mean"], out["clip_log_var"] = mean, log_var
    out["video"] = self.refine(out["gist"], text, code)
    return out


class Discriminator(nn.Module):
  """(clip [B, 3, T, H, W], tokens [B, L]) -> logit [B]; a projection discriminator."""

  def __init__(self, config, vocab_size: int):
    super().__init__()
    m = config.model
    self.text_encoder = text_encoder(config, vocab_size)
    self.downs = down_stack(3, 3, m.disc_widths)
    self.projection = nn.Linear(m.text_dim, m.disc_widths[-1])
    self.score = nn.Linear(m.disc_widths[-1], 1)

  def forward(self, video: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    pooled = self.downs(video).mean((2, 3, 4)).float()
    projected = self.projection(self.text_encoder(tokens)).float()
    return self.score(pooled)[:, 0] + (projected * pooled).sum(-1)


def build_models(config, vocab_size: int) -> tuple[Generator, Discriminator]:
  check_supported(config)
  return Generator(config, vocab_size), Discriminator(config, vocab_size)
