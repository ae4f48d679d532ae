"""action_scenes' evaluation protocol, stored in each build's metadata (`evaluation_metadata`).

Its prompts are the training vocabulary in word orders the training captions never use. Training
captions always read "<subject>[ in <colour>] <action> <scene>[ <direction>]" (captions.py). These
templates move the scene or the direction to the front, or put the scene between subject and
action, so no evaluation caption occurs verbatim in training, while every word is one the
tokenizer knows: the test is composition, not new words.
"""

import dataclasses
import zlib

import numpy as np

from vidgan_jax.datasets.action_scenes import pairs
from vidgan_jax.datasets.action_scenes.captions import ACTION_PHRASES, DIRECTION_PHRASES, SCENE_PHRASES, SUBJECTS
from vidgan_jax.datasets.action_scenes.render import AGENT_COLOURS, DIRECTIONS

# Prompts stored per pair; an evaluation uses the first `eval.prompts_per_pair` of them.
STORED_PROMPTS_PER_PAIR = 8


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


def _prompt_entry(prompt: EvalPrompt, action: str, scene: str) -> dict:
  """A prompt and the class of every classifier head it names (-1: the caption leaves it open)."""
  labels = {
    "action": pairs.ACTIONS.index(action),
    "scene": pairs.SCENES.index(scene),
    "colour": list(AGENT_COLOURS).index(prompt.colour) if prompt.colour else -1,
    "direction": DIRECTIONS.index(prompt.direction) if prompt.direction else -1,
  }
  return {"text": prompt.text, "labels": labels}


def evaluation_metadata() -> dict:
  """The protocol `vidgan eval` reads from the build (`builder.info.metadata["evaluation"]`): the
  classifier's heads and splits, and the composition test: prompts for every training pair, scored
  against the `test` split's real clips, and for every held-out pair, against `test_unseen`."""

  def prompt_sets(group_pairs):
    return [
      {
        "name": pairs.pair_name(action, scene),
        "prompts": [_prompt_entry(p, action, scene) for p in eval_prompts(action, scene, STORED_PROMPTS_PER_PAIR, 0)],
      }
      for action, scene in group_pairs
    ]

  return {
    "heads": ["action", "scene", "colour", "direction"],
    "joint_heads": ["action", "scene"],
    "classifier_split": "classifier",
    "validation_split": "validation",
    "set_label": "pair",
    "groups": [
      {"name": "seen", "split": "test", "prompt_sets": prompt_sets(pairs.TRAIN_PAIRS)},
      {"name": "unseen", "split": "test_unseen", "prompt_sets": prompt_sets(pairs.HELD_OUT_PAIRS)},
    ],
  }
