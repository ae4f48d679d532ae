"""A trained generator restored from a checkpoint, ready to turn prompts into clips."""

import dataclasses

import ml_collections
import numpy as np

from vidgan_jax import checkpoints, sampling
from vidgan_jax.configs import config_from_dict
from vidgan_jax.models import Generator, build_models
from vidgan_jax.text import Tokenizer, caption_words, shown
from vidgan_jax.train_step import abstract_generator_params


@dataclasses.dataclass
class TrainedGenerator:
  generator: Generator
  params: dict  # The EMA parameters.
  tokenizer: Tokenizer
  config: ml_collections.ConfigDict
  step: int

  def prompt_warnings(self, prompt: str) -> list[str]:
    """Why a prompt may not give what it says: no word the model learnt, unseen words or characters,
    or text cut to max_length tokens."""
    words = caption_words(prompt)
    unknown = self.tokenizer.unknown_words(prompt)
    warnings = []
    if len(unknown) == len(words):
      warnings.append(
        f"prompt {shown(prompt)}: not one word the model learnt; the clip shows no particular action or scene"
      )
    elif unknown:
      listed = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
      warnings.append(f"prompt {shown(prompt)}: words never seen in training captions: {listed}")
    characters = self.tokenizer.unknown_characters(prompt)
    if characters and len(unknown) < len(words):
      warnings.append(
        f"prompt {shown(prompt)}: characters never seen in training captions: {' '.join(characters[:20])}"
      )
    count = self.tokenizer.token_count(prompt)
    if count > self.tokenizer.max_length:
      warnings.append(f"prompt {shown(prompt)} is {count} tokens; only the first {self.tokenizer.max_length} are used")
    return warnings

  def generate(self, prompts: list[str], num: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """video [P, num, T, H, W, 3] and gist [P, num, H, W, 3], float in [-1, 1]."""
    return sampling.generate(self.generator, self.params, self.tokenizer, prompts, num, seed, self.config)


def load_generator(step_dir: str) -> TrainedGenerator:
  """Restores the EMA generator of a checkpoint step directory (see checkpoints.resolve_step_dir)."""
  meta = checkpoints.read_meta(step_dir)
  config = config_from_dict(meta["config"])
  tokenizer = Tokenizer.from_json(meta["tokenizer"])
  generator, _ = build_models(config, tokenizer.vocab_size)
  params = checkpoints.restore_ema_params(step_dir, abstract_generator_params(config, generator))
  return TrainedGenerator(generator, params, tokenizer, config, int(meta["step"]))
