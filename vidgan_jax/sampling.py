"""Text to clips with the (EMA) generator; the same seed always gives the same pixels."""

import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from vidgan_jax.models import Generator
from vidgan_jax.noise import example_noise
from vidgan_jax.text import Tokenizer, check_prompt


@functools.partial(jax.jit, static_argnums=0)
def _generate(generator: Generator, params, tokens, z_noise, video_noise) -> dict:
  return generator.apply({"params": params}, tokens, z_noise, video_noise, method=Generator.sample)


def inputs(
  tokenizer: Tokenizer, prompts: list[str], num: int, seed: int, config: ml_collections.ConfigDict
) -> tuple[np.ndarray, jax.Array, jax.Array]:
  """What `Generator.sample` takes for `num` clips per prompt: tokens [P * num, L], z noise
  [P * num, Z] and video noise [P * num, N].

  Noise for sample j of prompt i comes from fold_in(key(seed), i * num + j) so that adding prompts
  or samples never changes the earlier ones.
  """
  tokens = np.repeat(tokenizer.encode(prompts), num, axis=0)
  z_noise, video_noise = example_noise(
    jax.random.key(seed), jnp.arange(len(tokens)), config.model.z_dim, config.model.noise_dim
  )
  return tokens, z_noise, video_noise


def generate(
  generator: Generator,
  params,
  tokenizer: Tokenizer,
  prompts: list[str],
  num: int,
  seed: int,
  config: ml_collections.ConfigDict,
) -> tuple[np.ndarray, np.ndarray]:
  """`num` clips per prompt: uint8-ready floats video [P, num, T, H, W, 3] and gist [P, num, H, W, 3]."""
  prompts = [check_prompt(p) for p in prompts]
  tokens, z_noise, video_noise = inputs(tokenizer, prompts, num, seed, config)
  out = _generate(generator, params, tokens, z_noise, video_noise)
  video, gist = np.asarray(out["video"]), np.asarray(out["gist"])
  return (video.reshape((len(prompts), num) + video.shape[1:]), gist.reshape((len(prompts), num) + gist.shape[1:]))
