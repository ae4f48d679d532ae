"""A trained generator restored from a checkpoint, ready to turn prompts into clips."""

import dataclasses

import jax
import ml_collections
import numpy as np

from vidgan_jax import checkpoints, sampling
from vidgan_jax.configs import config_from_dict
from vidgan_jax.models import Generator, build_models
from vidgan_jax.text import Tokenizer
from vidgan_jax.train_step import create_train_state


@dataclasses.dataclass
class TrainedGenerator:
  generator: Generator
  params: dict  # The EMA parameters.
  tokenizer: Tokenizer
  config: ml_collections.ConfigDict
  step: int

  def prompt_warnings(self, prompt: str) -> list[str]:
    """Why a prompt may not give what it says: unseen words, or text cut to max_length tokens."""
    warnings = []
    unknown = self.tokenizer.unknown_words(prompt)
    if unknown:
      warnings.append(f"prompt {prompt!r}: words never seen in training captions: {', '.join(unknown)}")
    count = self.tokenizer.token_count(prompt)
    if count > self.tokenizer.max_length:
      warnings.append(f"prompt {prompt!r} is {count} tokens; only the first {self.tokenizer.max_length} are used")
    return warnings

  def generate(self, prompts: list[str], num: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """video [P, num, T, H, W, 3] and gist [P, num, H, W, 3], float in [-1, 1]."""
    return sampling.generate(self.generator, self.params, self.tokenizer, prompts, num, seed, self.config)


def load_generator(step_dir: str) -> TrainedGenerator:
  """Restores the EMA generator of a checkpoint step directory (see checkpoints.resolve_step_dir)."""
  meta = checkpoints.read_meta(step_dir)
  config = config_from_dict(meta["config"])
  tokenizer = Tokenizer.from_json(meta["tokenizer"])
  generator, discriminator = build_models(config, tokenizer.vocab_size)
  target = jax.eval_shape(lambda: create_train_state(config, generator, discriminator))
  state = checkpoints.restore_state(step_dir, target)
  return TrainedGenerator(generator, state.ema_params, tokenizer, config, int(meta["step"]))
