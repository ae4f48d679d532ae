"""Caption templates: a subject, the action, the scene, sometimes the colour or direction.

Each action and scene has several synonymous phrases so that a text encoder must learn meaning
rather than one fixed string. Every caption names its action and its scene.
"""

import numpy as np

SUBJECTS = ("a man", "a woman", "someone", "a person", "a kid", "an athlete")

ACTION_PHRASES = {
  "golf": ("plays golf", "is playing golf", "swings a golf club", "hits a golf ball"),
  "kitesurfing": ("kitesurfs", "is kitesurfing", "rides a kite board", "kite surfs"),
  "sailing": ("sails a boat", "is sailing", "sails a small boat", "goes sailing"),
  "swimming": ("swims", "is swimming", "swims laps", "does a front crawl"),
  "biking": ("rides a bike", "is biking", "cycles", "rides a bicycle"),
  "jogging": ("jogs", "is jogging", "runs", "goes for a run"),
  "football": ("throws an american football", "plays american football", "throws a football", "is playing football"),
  "soccer": ("kicks a soccer ball", "plays soccer", "is playing soccer", "kicks a ball"),
  "hockey": ("plays hockey", "is playing hockey", "shoots a hockey puck", "swings a hockey stick"),
  "water_skiing": ("water skis", "is water skiing", "is towed on water skis", "goes water skiing"),
}

SCENE_PHRASES = {
  "grass": ("on the grass", "on a grass field", "on the green lawn", "on a grassy field"),
  "sea": ("at sea", "on the sea", "on the ocean", "on the waves"),
  "snow": ("on the snow", "in the snow", "on a snowy slope", "across the snow"),
  "pool": ("in the swimming pool", "in a pool", "in the swimming pool lanes", "in an indoor pool"),
  "ice": ("on the ice", "on an ice rink", "on the rink", "on the frozen ice"),
  "road": ("on the road", "along the road", "on a street", "on the asphalt road"),
}

DIRECTION_PHRASES = {"left": ("to the left", "heading left"), "right": ("to the right", "heading right")}


def make_caption(rng: np.random.Generator, action: str, scene: str, colour: str, direction: str) -> str:
  """A caption naming action and scene; colour half the time, direction a quarter of the time."""
  subject = str(rng.choice(SUBJECTS))
  if rng.random() < 0.5:
    subject = f"{subject} in {colour}"
  words = [subject, str(rng.choice(ACTION_PHRASES[action])), str(rng.choice(SCENE_PHRASES[scene]))]
  if rng.random() < 0.25:
    words.append(str(rng.choice(DIRECTION_PHRASES[direction])))
  return " ".join(words)
