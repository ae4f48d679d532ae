"""The PyTorch peer is the same architecture: every network's parameter count equals ours, its
outputs have our shapes, with our weights loaded its clips and losses equal ours, and its joint
step trains (`make peer-test`, in .venv-peer)."""

import jax
import numpy as np
import pytest
import torch

from benchmarks.torch_peer import model as peer_model
from benchmarks.torch_peer import step as peer_step
from experiments import paper, quickstart, tiny
from vidgan_jax.models import build_models
from vidgan_jax.train_step import abstract_generator_params, example_generator_inputs

VOCAB = 512
CONFIGS = {"tiny": tiny.get_config, "quickstart": quickstart.get_config, "paper": paper.get_config}


def _counts(tree) -> dict[str, int]:
  return {name: sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(sub)) for name, sub in tree.items()}


def _torch_count(module: torch.nn.Module) -> int:
  return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("name", CONFIGS)
def test_every_network_has_our_parameter_count(name):
  config = CONFIGS[name]()
  generator, discriminator = build_models(config, VOCAB)
  tokens, video = example_generator_inputs(config)[:2]
  ours_g = _counts(abstract_generator_params(config, generator))
  ours_d = _counts(jax.eval_shape(lambda: discriminator.init(jax.random.key(0), video, tokens))["params"])
  peer_g, peer_d = peer_model.build_models(config, VOCAB)
  assert {
    "text_encoder": _torch_count(peer_g.text_encoder),
    "sketch": _torch_count(peer_g.sketch),
    "refine": _torch_count(peer_g.refine),
    "clip_encoder": _torch_count(peer_g.clip_encoder),
  } == ours_g
  assert {
    "text_encoder": _torch_count(peer_d.text_encoder),
    "video": _torch_count(peer_d) - _torch_count(peer_d.text_encoder),
  } == ours_d


def test_outputs_have_our_shapes():
  config = tiny.get_config()
  generator, discriminator = build_models(config, VOCAB)
  inputs = example_generator_inputs(config)
  tokens, video = inputs[0], inputs[1]
  params = generator.init(jax.random.key(0), *inputs)
  ours = generator.apply(params, *inputs)
  ours_logits = discriminator.apply(discriminator.init(jax.random.key(1), video, tokens), video, tokens)

  peer_g, peer_d = peer_model.build_models(config, VOCAB)
  batch = peer_step.synthetic_batch(config, VOCAB, torch.device("cpu"), channels_last=False)
  out = peer_g(batch["tokens"], batch["video"], batch["z_noise"], batch["video_noise"], batch["encode"])
  b = config.batch_size
  # Channels first in PyTorch: [B, 3, T, H, W] for our [B, T, H, W, 3].
  assert tuple(out["video"].shape) == (b, 3, *ours["video"].shape[1:4])
  assert tuple(out["gist"].shape) == (b, 3, *ours["gist"].shape[1:3])
  assert out["mean"].shape[1:] == ours["mean"].shape[1:] and out["clip_mean"].shape[1:] == ours["clip_mean"].shape[1:]
  assert tuple(peer_d(batch["video"], batch["tokens"]).shape) == (b,) and ours_logits.shape == (1,)


def test_the_joint_step_trains():
  """Ten steps on one batch: finite losses, every network's weights move, the L1 to the batch falls."""
  config = tiny.get_config()
  torch.manual_seed(0)
  generator, discriminator = peer_model.build_models(config, VOCAB)
  step = peer_step.TrainStep(config, generator, discriminator)
  batch = peer_step.synthetic_batch(config, VOCAB, torch.device("cpu"), channels_last=False)
  before = {name: p.detach().clone() for name, p in [*generator.named_parameters(), *discriminator.named_parameters()]}
  l1 = []
  for _ in range(10):
    g_loss, d_loss = step(batch)
    assert torch.isfinite(g_loss) and torch.isfinite(d_loss)
    with torch.no_grad():
      out = generator(batch["tokens"], batch["video"], batch["z_noise"], batch["video_noise"], batch["encode"])
      l1.append(float((out["gist"] - out["gist_target"]).abs().mean()))
  after = dict([*generator.named_parameters(), *discriminator.named_parameters()])
  for prefix in ("text_encoder", "sketch", "refine", "clip_encoder", "downs", "projection"):
    moved = [not torch.equal(before[n], after[n]) for n in before if n.startswith(prefix)]
    assert moved and any(moved), prefix
  assert l1[-1] < l1[0], l1


def test_an_option_it_does_not_implement_is_named():
  config = tiny.get_config()
  config.model.upsample = "transpose"
  with pytest.raises(ValueError, match="model.upsample='subpixel' only"):
    peer_model.build_models(config, VOCAB)


@pytest.mark.parametrize("name", ["tiny", "quickstart"])
def test_with_our_weights_it_computes_our_clips_and_losses(name):
  """Our initial weights loaded into the peer (`weights.load_ours`): on one fixed batch, its clips
  and both losses (through the discriminator's logits) equal ours. Measured on 2 CPU cores,
  float32 (2026-12-03): clips differ by at most 6e-6 (tiny) and 1.4e-5 (quickstart), the losses
  by at most 2.2e-7 relative; the tolerances are 7x and 45x those."""
  from benchmarks.torch_peer import weights
  from vidgan_jax import losses

  config = CONFIGS[name]()
  config.batch_size = 4
  generator, discriminator = build_models(config, VOCAB)
  batch = peer_step.synthetic_batch(config, VOCAB, torch.device("cpu"), channels_last=False)
  ours = {k: v.numpy() for k, v in batch.items()}
  ours["video"] = ours["video"].transpose(0, 2, 3, 4, 1)  # [B, T, H, W, 3]
  inputs = (ours["tokens"].astype(np.int32), ours["video"], ours["z_noise"], ours["video_noise"], ours["encode"])
  g_params = generator.init(jax.random.key(0), *inputs)["params"]
  d_params = discriminator.init(jax.random.key(1), ours["video"], inputs[0])["params"]
  out = generator.apply({"params": g_params}, *inputs)
  clips = np.concatenate([ours["video"], out["video"], ours["video"]])
  captions = np.concatenate([inputs[0], inputs[0], ours["mismatch_tokens"].astype(np.int32)])
  real, fake, mismatch = np.split(discriminator.apply({"params": d_params}, clips, captions), 3)
  g_loss, _ = losses.generator_loss(
    out, ours["video"], fake, ours["encode"].astype(np.float32), config.loss.encoded_fraction, config.loss
  )
  d_loss, _ = losses.discriminator_objective(real, fake, mismatch, ours["mismatch_valid"], config.loss)

  peer_g, peer_d = peer_model.build_models(config, VOCAB)
  weights.load_ours(peer_g, peer_d, g_params, d_params)
  step = peer_step.TrainStep(config, peer_g, peer_d)
  with torch.no_grad():
    peer_g_loss, peer_video = step.generator_loss(batch)
    peer_d_loss = step.discriminator_loss(batch, peer_video)
  np.testing.assert_allclose(peer_video.numpy().transpose(0, 2, 3, 4, 1), out["video"], atol=1e-4)
  np.testing.assert_allclose(float(peer_g_loss), float(g_loss), rtol=1e-5)
  np.testing.assert_allclose(float(peer_d_loss), float(d_loss), rtol=1e-5)
