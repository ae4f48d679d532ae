"""The PyTorch peer is the same architecture: every network's parameter count equals ours, its
outputs have our shapes, and its joint step trains (`make peer-test`, in .venv-peer)."""

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
