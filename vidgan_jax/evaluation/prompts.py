"""Evaluation captions: the training vocabulary in word orders the training captions never use.

Training captions always read "<subject>[ in <colour>] <action> <scene>[ <direction>]"
(vidgan_jax/datasets/action_scenes/captions.py). These templates move the scene or the direction to the
front, or put the scene between subject and action, so no evaluation caption occurs verbatim in
training, while every word is one the tokenizer knows: the test is composition, not new words.
"""

import dataclasses
import zlib

import numpy as np

from vidgan_jax.datasets.action_scenes.captions import ACTION_PHRASES, DIRECTION_PHRASES, SCENE_PHRASES, SUBJECTS
from vidgan_jax.datasets.action_scenes.render import AGENT_COLOURS


@dataclasses.dataclass(frozen=True)
class EvalPrompt:
  text: str
  colour: str | None  # The agent colour the caption names, if any.
  direction: str | None  # The direction the caption names, if any.


def _scene_first(rng, action, scene) -> EvalPrompt:
  colour = str(rng.choice(list(AGENT_COLOURS)))
  words = (rng.choice(SCENE_PHRASES[scene]), rng.choice(SUBJECTS), "in", colour, rng.choice(ACTION_PHRASES[action]))
  return EvalPrompt(" ".join(map(str, words)), colour, None)


def _direction_first(rng, action, scene) -> EvalPrompt:
  direction = str(rng.choice(list(DIRECTION_PHRASES)))
  words = (
    rng.choice(DIRECTION_PHRASES[direction]),
    rng.choice(SUBJECTS),
    rng.choice(ACTION_PHRASES[action]),
    rng.choice(SCENE_PHRASES[scene]),
  )
  return EvalPrompt(" ".join(map(str, words)), None, direction)


def _scene_in_the_middle(rng, action, scene) -> EvalPrompt:
  words = (rng.choice(SUBJECTS), rng.choice(SCENE_PHRASES[scene]), rng.choice(ACTION_PHRASES[action]))
  return EvalPrompt(" ".join(map(str, words)), None, None)


TEMPLATES = (_scene_first, _direction_first, _scene_in_the_middle)


def eval_prompts(action: str, scene: str, count: int, seed: int) -> list[EvalPrompt]:
  """`count` captions for one pair, cycling through the templates; a function of its arguments."""
  rng = np.random.default_rng([seed, zlib.crc32(f"{action}-{scene}".encode())])
  return [TEMPLATES[i % len(TEMPLATES)](rng, action, scene) for i in range(count)]
