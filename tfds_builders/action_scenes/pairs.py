"""Actions, scenes and which (action, scene) pairs each split holds.

The 10 canonical pairs are the paper's categories. The extra training pairs give every action a
second scene and every scene a second action, so that action and scene can be learned apart; the
held-out pairs never occur in train/validation/test and measure composition.
"""

ACTIONS = (
  "golf",
  "kitesurfing",
  "sailing",
  "swimming",
  "biking",
  "jogging",
  "football",
  "soccer",
  "hockey",
  "water_skiing",
)
SCENES = ("grass", "sea", "snow", "pool", "ice", "road")

CANONICAL_PAIRS = (
  ("golf", "grass"),
  ("kitesurfing", "sea"),
  ("sailing", "sea"),
  ("swimming", "pool"),
  ("biking", "snow"),
  ("jogging", "road"),
  ("football", "grass"),
  ("soccer", "grass"),
  ("hockey", "ice"),
  ("water_skiing", "sea"),
)
EXTRA_TRAIN_PAIRS = (
  ("golf", "snow"),
  ("kitesurfing", "snow"),
  ("sailing", "ice"),
  ("swimming", "sea"),
  ("biking", "road"),
  ("jogging", "snow"),
  ("football", "road"),
  ("soccer", "road"),
  ("hockey", "road"),
  ("water_skiing", "pool"),
)
HELD_OUT_PAIRS = (
  ("golf", "pool"),
  ("sailing", "snow"),
  ("biking", "grass"),
  ("jogging", "ice"),
  ("football", "snow"),
  ("soccer", "ice"),
  ("hockey", "grass"),
  ("kitesurfing", "road"),
  ("swimming", "ice"),
  ("water_skiing", "snow"),
)
TRAIN_PAIRS = CANONICAL_PAIRS + EXTRA_TRAIN_PAIRS
ALL_PAIRS = tuple((a, s) for a in ACTIONS for s in SCENES)


def pair_name(action: str, scene: str) -> str:
  return f"{action}-{scene}"


PAIR_NAMES = tuple(pair_name(a, s) for a, s in ALL_PAIRS)

# Which pairs each split draws from, in order; example i uses pair i % len(pairs).
SPLIT_PAIRS = {
  "train": TRAIN_PAIRS,
  "validation": TRAIN_PAIRS,
  "test": TRAIN_PAIRS,
  "test_unseen": HELD_OUT_PAIRS,
  "classifier": ALL_PAIRS,
}
