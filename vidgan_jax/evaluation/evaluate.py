"""Scores generated clips against real ones, group by group (action_scenes: seen and held-out pairs).

For each group of the dataset's protocol (`protocol.py`): the evaluation classifier's accuracy on
generated clips for every head, and "joint" (right on all of the protocol's joint heads), absolute
and as a ratio to its accuracy on the real clips of the group's split (the ceiling); heads a prompt
leaves open (a caption naming no colour) are scored on the clips whose prompts name them; Fréchet
distance and KID on clip and frame features; intra-prompt diversity and frame-to-frame change,
each beside the same on real clips.
"""

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import jax
import ml_collections
import numpy as np
import tqdm

from vidgan_jax.evaluation import metrics
from vidgan_jax.evaluation.classifier import TrainedClassifier
from vidgan_jax.evaluation.protocol import UNKNOWN, Group, Protocol

if TYPE_CHECKING:  # Only the commands that read a dataset import TFDS.
  import tensorflow_datasets as tfds

# prompts, clips per prompt, seed -> videos [prompts, clips, T, H, W, 3] in [-1, 1].
GenerateFn = Callable[[list[str], int, int], np.ndarray]


@dataclasses.dataclass
class ClipScores:
  """The classifier's view of N clips, with their labels (UNKNOWN where a label is open)."""

  logits: dict[str, np.ndarray]  # head -> [N, classes]
  clip_features: np.ndarray  # [N, F]
  frame_features: np.ndarray  # [N, T, C]
  change: np.ndarray  # [N] mean |frame t+1 - frame t|
  labels: dict[str, np.ndarray]  # head -> [N] int
  group: np.ndarray  # [N] diversity group: the prompt (generated clips) or the set label (real clips)

  @classmethod
  def concatenate(cls, parts: Sequence["ClipScores"]) -> "ClipScores":
    def cat(arrays):
      return np.concatenate(list(arrays))

    return cls(
      {k: cat(p.logits[k] for p in parts) for k in parts[0].logits},
      cat(p.clip_features for p in parts),
      cat(p.frame_features for p in parts),
      cat(p.change for p in parts),
      {k: cat(p.labels[k] for p in parts) for k in parts[0].labels},
      cat(p.group for p in parts),
    )


class Scorer:
  """Runs the classifier over clips in fixed-size batches (one compilation for any count)."""

  def __init__(self, classifier: TrainedClassifier, batch_size: int):
    self.batch_size = batch_size
    self._apply = jax.jit(lambda c, v: c.apply(v))
    self._classifier = classifier

  def __call__(self, videos: np.ndarray, labels: dict[str, np.ndarray], group: np.ndarray) -> ClipScores:
    """videos [N, T, H, W, 3] float in [-1, 1]."""
    videos = np.asarray(videos, np.float32)
    outputs = []
    for start in range(0, len(videos), self.batch_size):
      chunk = videos[start : start + self.batch_size]
      padded = np.pad(chunk, [(0, self.batch_size - len(chunk))] + [(0, 0)] * (chunk.ndim - 1))
      logits, clip_features, frame_features = jax.device_get(self._apply(self._classifier, padded))
      outputs.append(
        ({k: v[: len(chunk)] for k, v in logits.items()}, clip_features[: len(chunk)], frame_features[: len(chunk)])
      )
    return ClipScores(
      {k: np.concatenate([o[0][k] for o in outputs]) for k in outputs[0][0]},
      np.concatenate([o[1] for o in outputs]),
      np.concatenate([o[2] for o in outputs]),
      metrics.temporal_change(videos),
      {k: np.asarray(v, np.int64) for k, v in labels.items()},
      np.asarray(group),
    )


def score_real(scorer: Scorer, builder: "tfds.core.DatasetBuilder", split: str, protocol: Protocol) -> ClipScores:
  """Scores every clip of a real split; diversity groups are the classes of the set label."""
  from vidgan_jax import input_pipeline

  keys = tuple(dict.fromkeys(("video", protocol.set_label) + protocol.head_names))
  parts = []
  for batch in tqdm.tqdm(
    input_pipeline.ordered_batches(builder, split, scorer.batch_size, keys),
    desc=f"scoring real {split} clips",
    unit="batch",
    disable=None,
    total=int(np.ceil(builder.info.splits[split].num_examples / scorer.batch_size)),
  ):
    labels = {h: batch[h] for h in protocol.head_names}
    parts.append(scorer(input_pipeline.clip_to_float(batch["video"]), labels, batch[protocol.set_label]))
  return ClipScores.concatenate(parts)


@dataclasses.dataclass
class GeneratedSet:
  name: str
  group: str
  prompts: list[str]
  scores: ClipScores
  videos: np.ndarray  # A few of the clips, [K, T, H, W, 3] in [-1, 1], for the grid.


def score_generated(
  scorer: Scorer,
  generate: GenerateFn,
  group: Group,
  protocol: Protocol,
  config: ml_collections.ConfigDict,
  keep: int,
) -> list[GeneratedSet]:
  """Generates config.num_per_pair clips per prompt set and scores them.

  Clip j of a set uses prompt j % prompts_per_pair; each prompt is one diversity group.
  """
  per_prompt = config.num_per_pair // config.prompts_per_pair
  results = []
  for prompt_set in tqdm.tqdm(group.prompt_sets, desc=f"generating and scoring ({group.name})", disable=None):
    # seed * sets + set: different noise for every set and every evaluation seed.
    videos = generate(list(prompt_set.prompts), per_prompt, config.seed * protocol.set_count + prompt_set.index)
    videos = np.asarray(videos).reshape((-1,) + np.shape(videos)[2:])
    prompt_of_clip = np.repeat(np.arange(len(prompt_set.prompts)), per_prompt)
    labels = {h: np.array([prompt_set.labels[i].get(h, UNKNOWN) for i in prompt_of_clip]) for h in protocol.head_names}
    diversity_group = len(results) * len(prompt_set.prompts) + prompt_of_clip
    results.append(
      GeneratedSet(
        prompt_set.name,
        group.name,
        list(prompt_set.prompts),
        scorer(videos, labels, diversity_group),
        videos[:keep],
      )
    )
  return results


def accuracies(scores: ClipScores, joint_heads: Sequence[str]) -> dict[str, float | None]:
  """Accuracy of every head over the clips whose label it knows, and "joint": right on every one of
  `joint_heads` (over the clips that know them all); None where no clip counts."""
  result = {}
  for name in scores.labels:
    known = scores.labels[name] != UNKNOWN
    result[name] = metrics.accuracy(scores.logits[name][known], scores.labels[name][known])
  known = np.all([scores.labels[h] != UNKNOWN for h in joint_heads], axis=0)
  right = np.all([metrics.accuracy(scores.logits[h], scores.labels[h]) for h in joint_heads], axis=0)
  result["joint"] = right[known]
  return {name: (float(np.mean(c)) if len(c) else None) for name, c in result.items()}


def _frame_sample(scores: ClipScores, limit: int, seed: int) -> np.ndarray:
  """Up to `limit` frame feature vectors [n, C], a fixed random subset (KID's kernel is n x n)."""
  frames = scores.frame_features.reshape(-1, scores.frame_features.shape[-1])
  if len(frames) <= limit:
    return frames
  return frames[np.random.default_rng(seed).choice(len(frames), limit, replace=False)]


def matched_real_diversity(generated: ClipScores, real: ClipScores) -> float | None:
  """The fair diversity reference: for each prompt (a diversity group of `generated`), the mean
  pairwise feature distance among the real clips that share every label the prompt names (action
  and scene, and colour or direction where the caption names them), averaged over prompts. Real
  clips of a whole pair also differ in what the prompt fixes; these differ only in what it leaves
  open. None where no prompt has two such real clips."""
  values = []
  for g in np.unique(generated.group):
    in_group = generated.group == g
    named = {h: v[in_group][0] for h, v in generated.labels.items() if v[in_group][0] != UNKNOWN}
    matching = np.all([real.labels[h] == value for h, value in named.items()], axis=0)
    if np.sum(matching) >= 2:
      values.append(metrics.mean_pairwise_distance(real.clip_features[matching]))
  return float(np.mean(values)) if values else None


def summarise(generated: ClipScores, real: ClipScores, protocol: Protocol, config: ml_collections.ConfigDict) -> dict:
  """Every metric of one group of generated clips against the real clips of its split."""
  acc, ceiling = accuracies(generated, protocol.joint_heads), accuracies(real, protocol.joint_heads)
  gen_frames = _frame_sample(generated, config.frame_samples, config.seed)
  real_frames = _frame_sample(real, config.frame_samples, config.seed)
  return {
    "clips": len(generated.change),
    "real_clips": len(real.change),
    "accuracy": acc,
    "ceiling": ceiling,
    "ratio": {k: (acc[k] / ceiling[k] if acc[k] is not None and ceiling[k] else None) for k in acc},
    "frechet_clip": metrics.frechet_distance(generated.clip_features, real.clip_features),
    "frechet_frame": metrics.frechet_distance(gen_frames, real_frames),
    "kid_clip": metrics.kernel_inception_distance(generated.clip_features, real.clip_features),
    "kid_frame": metrics.kernel_inception_distance(gen_frames, real_frames),
    "diversity": metrics.group_diversity(generated.clip_features, generated.group),
    "diversity_real": metrics.group_diversity(real.clip_features, real.group),
    "diversity_real_matched": matched_real_diversity(generated, real),
    "temporal_change": float(np.mean(generated.change)),
    "temporal_change_real": float(np.mean(real.change)),
  }


class Evaluator:
  """Scores generators against the real clips of a build; the real clips are scored once, so that
  repeated evaluations (inside training) pay only for generating and scoring the generated clips."""

  def __init__(self, scorer: Scorer, builder: "tfds.core.DatasetBuilder", protocol: Protocol):
    self.scorer = scorer
    self.protocol = protocol
    self.real = {g.name: score_real(scorer, builder, g.split, protocol) for g in protocol.groups}

  def __call__(
    self, generate: GenerateFn, config: ml_collections.ConfigDict, keep: int = 4
  ) -> tuple[dict, dict[str, list[GeneratedSet]]]:
    """Scores `generate` on every prompt set of every group. Returns (report, generated clips by group)."""
    check_clip_counts(config)
    protocol = self.protocol
    report = {
      "heads": list(protocol.head_names),
      "joint_heads": list(protocol.joint_heads),
      "groups": {},
      "per_set": {},
      "prompts": {},
    }
    generated = {}
    for group in protocol.groups:
      results = score_generated(self.scorer, generate, group, protocol, config, keep)
      generated[group.name] = results
      scores = ClipScores.concatenate([r.scores for r in results])
      report["groups"][group.name] = summarise(scores, self.real[group.name], protocol, config)
      for r in results:
        report["per_set"][r.name] = dict(accuracies(r.scores, protocol.joint_heads), group=group.name)
        report["prompts"][r.name] = r.prompts
    return report, generated

  @staticmethod
  def headline(report: dict) -> dict[str, float]:
    """The learning-curve figures of a report: per group, each joint head's ratio to the ceiling,
    diversity as a share of the real clips' (of the whole set, and of the real clips that share
    every label the prompt names: `diversity_vs_matched`, the fair reference), clip Frechet distance
    and frame-to-frame change. A figure the report could not compute (e.g. diversity with one real
    clip per set) is left out."""
    figures = {}
    for name, group in report["groups"].items():
      diversity, real, matched = group["diversity"], group["diversity_real"], group.get("diversity_real_matched")
      figures.update({f"{name}/{head}_ratio": group["ratio"][head] for head in report["joint_heads"]})
      figures[f"{name}/joint_ratio"] = group["ratio"].get("joint")  # All joint heads right at once.
      figures.update(
        {
          f"{name}/diversity_vs_real": _share(diversity, real),
          f"{name}/diversity_vs_matched": _share(diversity, matched),
          f"{name}/frechet_clip": group["frechet_clip"],
          f"{name}/temporal_change": group["temporal_change"],
        }
      )
    return {k: v for k, v in figures.items() if v is not None}


def _share(value: float | None, reference: float | None) -> float | None:
  """value / reference, or None where either is missing or the reference is 0."""
  return value / reference if value is not None and reference else None


def check_clip_counts(config: ml_collections.ConfigDict) -> None:
  if config.num_per_pair % config.prompts_per_pair or config.num_per_pair // config.prompts_per_pair < 2:
    raise ValueError(
      f"num_per_pair={config.num_per_pair} must be a multiple of prompts_per_pair="
      f"{config.prompts_per_pair} with at least 2 clips per prompt (diversity needs pairs)"
    )


def evaluate(
  generate: GenerateFn,
  scorer: Scorer,
  builder: "tfds.core.DatasetBuilder",
  protocol: Protocol,
  config: ml_collections.ConfigDict,
  keep: int = 4,
) -> tuple[dict, dict[str, list[GeneratedSet]]]:
  """Scores `generate` on every prompt set of every group. Returns (report, generated clips by group)."""
  return Evaluator(scorer, builder, protocol)(generate, config, keep)
