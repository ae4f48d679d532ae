"""Our flax parameters into the PyTorch peer's modules, so that both compute the same function.

Layouts: flax convs are [*kernel, in, out] where PyTorch's are [out, in, *kernel]; Dense kernels
[in, out] against Linear weights [out, in]; flax's attention keeps per-head query/key/value
kernels [D, heads, head_dim] where PyTorch packs [3D, D]. Module names follow flax's automatic
naming (`Dense_0`, ...) in the order `vidgan_jax.models` creates them.
"""

import numpy as np
import torch
from torch import nn

from benchmarks.torch_peer import model


def _tensor(array) -> torch.Tensor:
  return torch.from_numpy(np.array(array, dtype=np.float32))


def _set(parameter: torch.Tensor, value: torch.Tensor) -> None:
  if parameter.shape != value.shape:
    raise ValueError(f"shape {tuple(value.shape)} from our parameters for a peer parameter of {tuple(parameter.shape)}")
  parameter.copy_(value)


def _conv(conv: nn.Module, p) -> None:
  kernel = np.asarray(p["kernel"])
  spatial = kernel.ndim - 2
  _set(conv.weight, _tensor(kernel.transpose(spatial + 1, spatial, *range(spatial))))
  _set(conv.bias, _tensor(p["bias"]))


def _dense(linear: nn.Linear, p) -> None:
  _set(linear.weight, _tensor(np.asarray(p["kernel"]).T))
  _set(linear.bias, _tensor(p["bias"]))


def _norm(norm: nn.Module, p) -> None:
  _set(norm.weight, _tensor(p["scale"]))
  _set(norm.bias, _tensor(p["bias"]))


def _up_block(block: model.UpBlock, p) -> None:
  _conv(block.up, p["Upsample_0"]["Conv_0"])
  _norm(block.norm1, p["GroupNorm_0"])
  _conv(block.conv, p["Conv_0"])
  _norm(block.norm2, p["GroupNorm_1"])


def _down_blocks(blocks, p, prefix: str) -> None:
  """DownBlocks named `<prefix>0`, `<prefix>1`, ... in our tree, each one conv."""
  for i, block in enumerate(blocks):
    _conv(block.conv, p[f"{prefix}{i}"]["Conv_0"])


def _gaussian(gaussian: model.Gaussian, p) -> None:
  _dense(gaussian.hidden, p["Dense_0"])
  _dense(gaussian.out, p["Dense_1"])


def _attention(attention: nn.MultiheadAttention, p) -> None:
  dim = attention.embed_dim
  names = ("query", "key", "value")
  kernels = [np.asarray(p[n]["kernel"]).reshape(dim, dim).T for n in names]  # [D, heads, head_dim] -> [out, in]
  _set(attention.in_proj_weight, _tensor(np.concatenate(kernels)))
  _set(attention.in_proj_bias, _tensor(np.concatenate([np.asarray(p[n]["bias"]).reshape(dim) for n in names])))
  _set(attention.out_proj.weight, _tensor(np.asarray(p["out"]["kernel"]).reshape(dim, dim).T))
  _set(attention.out_proj.bias, _tensor(p["out"]["bias"]))


def _text_encoder(encoder: model.TextEncoder, p) -> None:
  _set(encoder.embed.weight, _tensor(p["Embed_0"]["embedding"]))
  _set(encoder.positions, _tensor(p["positions"]))
  for i, layer in enumerate(encoder.layers):
    _norm(layer["norm1"], p[f"LayerNorm_{2 * i}"])
    _attention(layer["attention"], p[f"MultiHeadDotProductAttention_{i}"])
    _norm(layer["norm2"], p[f"LayerNorm_{2 * i + 1}"])
    _dense(layer["mlp_in"], p[f"Dense_{2 * i}"])
    _dense(layer["mlp_out"], p[f"Dense_{2 * i + 1}"])
  _norm(encoder.norm, p[f"LayerNorm_{2 * len(encoder.layers)}"])
  _dense(encoder.out, p[f"Dense_{2 * len(encoder.layers)}"])


def _sketch(sketch: model.SketchGenerator, p) -> None:
  _down_blocks(sketch.encoder, p, "encoder_convs_")
  _gaussian(sketch.posterior, p["posterior"])
  _gaussian(sketch.prior, p["prior"])
  _dense(sketch.decoder_in, p["decoder_in"])
  for i, block in enumerate(sketch.decoder_ups):
    _up_block(block, p[f"decoder_ups_{i}"])
  _conv(sketch.decoder_out, p["decoder_out"])


def _refine(refine: model.RefineGenerator, p) -> None:
  _down_blocks(refine.down, p, "DownBlock_")
  _dense(refine.text2filter.kernels, p["Text2Filter_0"]["Dense_0"])
  _dense(refine.motion, p["Dense_0"])
  _conv(refine.conv_in, p["Conv_0"])
  _norm(refine.norm_in, p["GroupNorm_0"])
  for i, block in enumerate(refine.ups):
    _up_block(block, p[f"UpBlock_{i}"])
  _conv(refine.conv_out, p["Conv_1"])


@torch.no_grad()
def load_ours(generator: model.Generator, discriminator: model.Discriminator, g_params, d_params) -> None:
  """Copies our generator's and discriminator's parameters (flax trees) into the peer's networks."""
  _text_encoder(generator.text_encoder, g_params["text_encoder"])
  _sketch(generator.sketch, g_params["sketch"])
  _refine(generator.refine, g_params["refine"])
  _down_blocks(generator.clip_encoder.downs, g_params["clip_encoder"], "DownBlock_")
  _gaussian(generator.clip_encoder.gaussian, g_params["clip_encoder"]["Gaussian_0"])
  _text_encoder(discriminator.text_encoder, d_params["text_encoder"])
  _down_blocks(discriminator.downs, d_params["video"], "DownBlock_")
  _dense(discriminator.projection, d_params["video"]["Dense_0"])
  _dense(discriminator.score, d_params["video"]["Dense_1"])
