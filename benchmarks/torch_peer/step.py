"""The joint train step of `vidgan_jax.train_step`, in PyTorch: the generator's losses through the
current discriminator, then one discriminator pass over [real; fake; real] with [text; text;
mismatched text], Adam for both, the EMA of the generator's weights."""

import copy

import torch
import torch.nn.functional as F

from benchmarks.torch_peer.model import Discriminator, Generator


def gaussian_kl(mean, log_var, prior_mean, prior_log_var) -> torch.Tensor:
  return 0.5 * (prior_log_var - log_var + (log_var.exp() + (mean - prior_mean) ** 2) / prior_log_var.exp() - 1).sum(-1)


def standard_normal_kl(mean, log_var) -> torch.Tensor:
  return 0.5 * (log_var.exp() + mean**2 - 1.0 - log_var).sum(-1)


class TrainStep:
  """Holds both networks, their Adam states and the EMA generator; `__call__(batch)` is one step.

  batch: video float [B, 3, T, H, W] in [-1, 1], tokens and mismatch_tokens int64 [B, L],
  mismatch_valid float [B], z_noise [B, z_dim], video_noise [B, noise_dim], encode bool [B].
  """

  def __init__(self, config, generator: Generator, discriminator: Discriminator, autocast_dtype=None):
    self.config, self.generator, self.discriminator = config, generator, discriminator
    o = config.optim
    self.g_optimizer = torch.optim.Adam(generator.parameters(), lr=o.g_learning_rate, betas=(o.b1, o.b2))
    self.d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=o.d_learning_rate, betas=(o.b1, o.b2))
    self.ema = copy.deepcopy(generator).requires_grad_(False)
    self.autocast_dtype = autocast_dtype
    self.step = 0

  def _autocast(self, device_type: str):
    return torch.autocast(device_type, self.autocast_dtype, enabled=self.autocast_dtype is not None)

  def generator_loss(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    loss_cfg = self.config.loss
    video, tokens = batch["video"], batch["tokens"]
    out = self.generator(tokens, video, batch["z_noise"], batch["video_noise"], batch["encode"])
    fake_logits = self.discriminator(out["video"], tokens)
    kl = gaussian_kl(out["mean"], out["log_var"], out["prior_mean"], out["prior_log_var"]).mean()
    gist_l1 = (out["gist"] - out["gist_target"]).abs().mean()
    reconstruct, fraction = batch["encode"].float(), loss_cfg.encoded_fraction
    per_example_l1 = (out["video"] - video).abs().mean((1, 2, 3, 4))
    video_l1 = (per_example_l1 * reconstruct).sum() / (fraction * len(video))
    clip_kl = (standard_normal_kl(out["clip_mean"], out["clip_log_var"]) * reconstruct).sum() / (fraction * len(video))
    loss = (
      loss_cfg.gamma_cvae * (loss_cfg.kl_weight * kl + gist_l1)
      + loss_cfg.gamma_gan * -fake_logits.mean()
      + loss_cfg.gamma_l1 * video_l1
    )
    free = clip_kl.detach() > loss_cfg.clip_kl_free_nats
    loss = loss + loss_cfg.clip_kl_weight * torch.where(free, clip_kl, torch.zeros_like(clip_kl))
    return loss, out["video"]

  def discriminator_loss(self, batch: dict, fake: torch.Tensor) -> torch.Tensor:
    video, tokens = batch["video"], batch["tokens"]
    logits = self.discriminator(
      torch.cat([video, fake.to(video.dtype), video]), torch.cat([tokens, tokens, batch["mismatch_tokens"]])
    )
    real, fake_logits, mismatch = logits.chunk(3)
    w = self.config.loss.mismatch_weight
    return (
      F.relu(1 - real) + (1 - w) * F.relu(1 + fake_logits) + w * batch["mismatch_valid"] * F.relu(1 + mismatch)
    ).mean()

  def __call__(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    device_type = batch["video"].device.type
    self.discriminator.requires_grad_(False)  # The generator's gradients only, as in ours.
    with self._autocast(device_type):
      g_loss, fake = self.generator_loss(batch)
    self.g_optimizer.zero_grad(set_to_none=True)
    g_loss.backward()
    self.discriminator.requires_grad_(True)
    with self._autocast(device_type):
      d_loss = self.discriminator_loss(batch, fake.detach())
    self.d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    self.g_optimizer.step()
    self.d_optimizer.step()
    decay = min(self.config.ema_decay, (1.0 + self.step) / (10.0 + self.step))
    with torch.no_grad():
      torch._foreach_lerp_(list(self.ema.parameters()), list(self.generator.parameters()), 1.0 - decay)
    self.step += 1
    return g_loss.detach(), d_loss.detach()


def synthetic_batch(config, vocab_size: int, device: torch.device, channels_last: bool) -> dict:
  """A batch of the step's shapes from a fixed seed (the cost does not depend on the values)."""
  g = torch.Generator().manual_seed(0)
  b, length = config.batch_size, config.text.max_length
  video = torch.rand(b, 3, config.frames, config.size, config.size, generator=g) * 2 - 1
  if channels_last:
    video = video.contiguous(memory_format=torch.channels_last_3d)
  batch = {
    "video": video,
    "tokens": torch.randint(1, vocab_size, (b, length), generator=g),
    "mismatch_tokens": torch.randint(1, vocab_size, (b, length), generator=g),
    "mismatch_valid": torch.ones(b),
    "z_noise": torch.randn(b, config.model.z_dim, generator=g),
    "video_noise": torch.randn(b, config.model.noise_dim, generator=g),
    "encode": torch.arange(b) % 2 == 0,
  }
  return {k: v.to(device) for k, v in batch.items()}
