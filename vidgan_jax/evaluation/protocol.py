"""What an evaluation asks of a dataset, read from its build (`builder.info`), never from a builder's code.

A dataset may state its protocol in its metadata (`builder.info.metadata["evaluation"]`, as
action_scenes does: its seen and held-out pairs, prompts outside the training templates). Any other
TFDS video dataset with class labels gets one derived from its features and split names: every
`ClassLabel` feature is a classifier head, the classifier learns from `train`, and the prompts are
captions of the `test` clips (the real clips they are scored against), a few per class.
"""

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # The commands that read a dataset import TFDS.
  import tensorflow_datasets as tfds

UNKNOWN = -1  # A prompt's label for a head its caption leaves open.


@dataclasses.dataclass(frozen=True)
class PromptSet:
  """The prompts of one class of the set label (an action-scene pair, a category), scored together."""

  name: str
  index: int  # The class index in the set label: per-set noise seeds and the real clips' groups.
  prompts: tuple[str, ...]
  labels: tuple[dict[str, int], ...]  # Per prompt: head -> class, or UNKNOWN.


@dataclasses.dataclass(frozen=True)
class Group:
  """Prompt sets judged against the real clips of one split (e.g. seen pairs against `test`)."""

  name: str
  split: str
  prompt_sets: tuple[PromptSet, ...]


@dataclasses.dataclass(frozen=True)
class Protocol:
  heads: tuple[tuple[str, int], ...]  # (label, number of classes) of every classifier head.
  joint_heads: tuple[str, ...]  # A clip is right on "joint" when it is right on all of these.
  classifier_split: str
  validation_split: str | None  # Where a shipped classifier is checked; None: the dataset has none.
  set_label: str  # The label feature whose classes the prompt sets are.
  set_count: int  # Its number of classes.
  groups: tuple[Group, ...]

  @property
  def head_names(self) -> tuple[str, ...]:
    return tuple(name for name, _ in self.heads)


def _class_labels(builder: "tfds.core.DatasetBuilder") -> dict[str, int]:
  """Every top-level ClassLabel feature and its number of classes, in feature order."""
  import tensorflow_datasets as tfds

  features = builder.info.features
  return {name: f.num_classes for name, f in features.items() if isinstance(f, tfds.features.ClassLabel)}


def _check_splits(builder: "tfds.core.DatasetBuilder", splits: Sequence[str]) -> None:
  missing = [s for s in splits if s not in builder.info.splits]
  if missing:
    raise ValueError(
      f"evaluation needs the split(s) {', '.join(missing)} of {builder.info.full_name}, which has "
      f"{', '.join(builder.info.splits)}"
    )


def _stated_groups(groups: list[dict], prompts_per_set: int, class_names: list[str]) -> tuple[Group, ...]:
  """The groups a dataset's metadata lists, with the first `prompts_per_set` prompts of each set."""
  result = []
  for group in groups:
    sets = []
    for entry in group["prompt_sets"]:
      stored = entry["prompts"]
      if len(stored) < prompts_per_set:
        raise ValueError(
          f"the dataset stores {len(stored)} evaluation prompts per set, fewer than eval.prompts_per_pair="
          f"{prompts_per_set}"
        )
      chosen = stored[:prompts_per_set]
      sets.append(
        PromptSet(
          entry["name"],
          class_names.index(entry["name"]),
          tuple(p["text"] for p in chosen),
          tuple(dict(p["labels"]) for p in chosen),
        )
      )
    result.append(Group(group["name"], group["split"], tuple(sets)))
  return tuple(result)


def _caption_groups(
  builder: "tfds.core.DatasetBuilder", split: str, set_label: str, heads: Sequence[str], prompts_per_set: int, seed: int
) -> tuple[Group, ...]:
  """One group: for every class of `set_label` in `split`, `prompts_per_set` captions of its clips
  (a seeded draw; with repeats where the class has fewer clips), each labelled as its clip is."""
  from vidgan_jax import input_pipeline

  examples = list(input_pipeline.open_split(builder, split, video=False))
  names = builder.info.features[set_label].names
  sets = []
  for index, name in enumerate(names):
    members = [e for e in examples if int(e[set_label]) == index]
    if not members:
      continue
    rng = np.random.default_rng([seed, index])
    picked = rng.choice(len(members), prompts_per_set, replace=len(members) < prompts_per_set)
    chosen = [members[i] for i in picked]
    sets.append(
      PromptSet(
        name,
        index,
        tuple(e["caption"].decode() for e in chosen),
        tuple({h: int(e[h]) for h in heads} for e in chosen),
      )
    )
  return (Group(split, split, tuple(sets)),)


def _stated_protocol(builder, stated: dict, labels: dict[str, int], prompts_per_set: int) -> Protocol:
  heads, set_label = tuple(stated["heads"]), stated["set_label"]
  missing = [h for h in heads + (set_label,) if h not in labels]
  if missing:
    raise ValueError(f"{builder.info.full_name}'s evaluation metadata names labels it lacks: {', '.join(missing)}")
  splits = [stated["classifier_split"], *(g["split"] for g in stated["groups"])]
  _check_splits(builder, splits + ([stated["validation_split"]] if stated.get("validation_split") else []))
  names = list(builder.info.features[set_label].names)
  return Protocol(
    heads=tuple((h, labels[h]) for h in heads),
    joint_heads=tuple(stated["joint_heads"]),
    classifier_split=stated["classifier_split"],
    validation_split=stated.get("validation_split"),
    set_label=set_label,
    set_count=len(names),
    groups=_stated_groups(stated["groups"], prompts_per_set, names),
  )


def _derived_protocol(builder, labels: dict[str, int], prompts_per_set: int, seed: int) -> Protocol:
  if "caption" not in builder.info.features:
    raise ValueError(
      f"evaluation takes its prompts from the test clips' captions, and {builder.info.full_name} has no "
      f"'caption' feature (nor evaluation metadata naming prompts)"
    )
  heads = tuple(labels)
  test = "test" if "test" in builder.info.splits else "validation"
  _check_splits(builder, ["train", test])
  return Protocol(
    heads=tuple(labels.items()),
    joint_heads=heads,
    classifier_split="train",
    validation_split="validation" if "validation" in builder.info.splits else None,
    set_label=heads[0],
    set_count=labels[heads[0]],
    groups=_caption_groups(builder, test, heads[0], heads, prompts_per_set, seed),
  )


def read_protocol(builder: "tfds.core.DatasetBuilder", prompts_per_set: int, seed: int) -> Protocol:
  """The dataset's stated protocol, or one derived from its features and splits; raises (naming
  what is missing) for a dataset that cannot be evaluated."""
  labels = _class_labels(builder)
  if not labels:
    raise ValueError(
      f"evaluation needs a dataset with class labels (tfds.features.ClassLabel) to train its classifier "
      f"on; {builder.info.full_name} has none"
    )
  metadata = builder.info.metadata
  stated = metadata["evaluation"] if metadata is not None and "evaluation" in metadata.keys() else None
  if stated:
    return _stated_protocol(builder, stated, labels, prompts_per_set)
  return _derived_protocol(builder, labels, prompts_per_set, seed)
