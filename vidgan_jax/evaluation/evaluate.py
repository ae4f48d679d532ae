"""Scores generated clips against real ones, separately for seen and held-out (unseen) pairs.

For each group: action, scene and joint accuracy of the evaluation classifier on generated clips,
absolute and as a ratio to its accuracy on real clips of the same pairs (the ceiling); colour and
direction accuracy where the caption names them; Fréchet distance and KID on clip and frame
features; intra-prompt diversity and frame-to-frame change, each beside the same on real clips.
"""

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import jax
import ml_collections
import numpy as np
import tqdm

from vidgan_jax.datasets.action_scenes import pairs
from vidgan_jax.datasets.action_scenes.render import AGENT_COLOURS, DIRECTIONS
from vidgan_jax.evaluation import metrics
from vidgan_jax.evaluation.classifier import TrainedClassifier
from vidgan_jax.evaluation.prompts import eval_prompts

if TYPE_CHECKING:  # Only the commands that read a dataset import TFDS.
  import tensorflow_datasets as tfds

# Group name -> (real split holding its pairs, its pairs).
GROUPS = {"seen": ("test", pairs.TRAIN_PAIRS), "unseen": ("test_unseen", pairs.HELD_OUT_PAIRS)}
LABELS = ("action", "scene", "colour", "direction")
# prompts, clips per prompt, seed -> videos [prompts, clips, T, H, W, 3] in [-1, 1].
GenerateFn = Callable[[list[str], int, int], np.ndarray]


@dataclasses.dataclass
class ClipScores:
  """The classifier's view of N clips, with their labels (-1 where a label is unknown)."""

  logits: dict[str, np.ndarray]  # label -> [N, classes]
  clip_features: np.ndarray  # [N, F]
  frame_features: np.ndarray  # [N, T, C]
  change: np.ndarray  # [N] mean |frame t+1 - frame t|
  labels: dict[str, np.ndarray]  # label -> [N] int
  group: np.ndarray  # [N] diversity group: the prompt (generated clips) or the pair (real clips)

  @classmethod
  def concatenate(cls, parts: Sequence["ClipScores"]) -> "ClipScores":
    def cat(arrays):
      return np.concatenate(list(arrays))

    return cls(
      {k: cat(p.logits[k] for p in parts) for k in parts[0].logits},
      cat(p.clip_features for p in parts),
      cat(p.frame_features for p in parts),
      cat(p.change for p in parts),
      {k: cat(p.labels[k] for p in parts) for k in LABELS},
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
      {k: np.asarray(labels[k], np.int64) for k in LABELS},
      np.asarray(group),
    )


def score_real(scorer: Scorer, builder: "tfds.core.DatasetBuilder", split: str) -> ClipScores:
  """Scores every clip of a real split; diversity groups are the pairs."""
  from vidgan_jax import input_pipeline

  parts = []
  for batch in tqdm.tqdm(
    input_pipeline.ordered_batches(builder, split, scorer.batch_size, ("video", "pair") + LABELS),
    desc=f"scoring real {split} clips",
    unit="batch",
    disable=None,
    total=int(np.ceil(builder.info.splits[split].num_examples / scorer.batch_size)),
  ):
    parts.append(scorer(input_pipeline.clip_to_float(batch["video"]), batch, batch["pair"]))
  return ClipScores.concatenate(parts)


@dataclasses.dataclass
class GeneratedPair:
  action: str
  scene: str
  prompts: list[str]
  scores: ClipScores
  videos: np.ndarray  # A few of the clips, [K, T, H, W, 3] in [-1, 1], for the grid.


def score_generated(
  scorer: Scorer,
  generate: GenerateFn,
  group_pairs: Sequence[tuple[str, str]],
  config: ml_collections.ConfigDict,
  keep: int,
) -> list[GeneratedPair]:
  """Generates config.num_per_pair clips per pair from held-out captions and scores them.

  Clip j of a pair uses prompt j % prompts_per_pair; each prompt is one diversity group.
  """
  per_prompt = config.num_per_pair // config.prompts_per_pair
  results = []
  for action, scene in tqdm.tqdm(group_pairs, desc="generating and scoring", unit="pair", disable=None):
    pair_index = pairs.ALL_PAIRS.index((action, scene))
    prompts = eval_prompts(action, scene, config.prompts_per_pair, config.seed)
    # seed * pairs + pair: different noise for every pair and every evaluation seed.
    videos = generate([p.text for p in prompts], per_prompt, config.seed * len(pairs.ALL_PAIRS) + pair_index)
    videos = np.asarray(videos).reshape((-1,) + np.shape(videos)[2:])
    prompt_of_clip = np.repeat(np.arange(len(prompts)), per_prompt)
    labels = {
      "action": np.full(len(videos), pairs.ACTIONS.index(action)),
      "scene": np.full(len(videos), pairs.SCENES.index(scene)),
      "colour": np.array(
        [list(AGENT_COLOURS).index(prompts[i].colour) if prompts[i].colour else -1 for i in prompt_of_clip]
      ),
      "direction": np.array(
        [DIRECTIONS.index(prompts[i].direction) if prompts[i].direction else -1 for i in prompt_of_clip]
      ),
    }
    group = len(results) * len(prompts) + prompt_of_clip
    results.append(
      GeneratedPair(action, scene, [p.text for p in prompts], scorer(videos, labels, group), videos[:keep])
    )
  return results


def accuracies(scores: ClipScores) -> dict[str, float | None]:
  """action, scene, joint (both right) accuracy; colour and direction over clips that name them."""
  correct = {}
  for name in LABELS:
    known = scores.labels[name] >= 0
    correct[name] = metrics.accuracy(scores.logits[name][known], scores.labels[name][known])
  both = correct["action"] & correct["scene"]
  return {name: (float(np.mean(c)) if len(c) else None) for name, c in dict(correct, joint=both).items()}


def _frame_sample(scores: ClipScores, limit: int, seed: int) -> np.ndarray:
  """Up to `limit` frame feature vectors [n, C], a fixed random subset (KID's kernel is n x n)."""
  frames = scores.frame_features.reshape(-1, scores.frame_features.shape[-1])
  if len(frames) <= limit:
    return frames
  return frames[np.random.default_rng(seed).choice(len(frames), limit, replace=False)]


def summarise(generated: ClipScores, real: ClipScores, config: ml_collections.ConfigDict) -> dict:
  """Every metric of one group (seen or unseen) of generated clips against real clips of its pairs."""
  acc, ceiling = accuracies(generated), accuracies(real)
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
    "temporal_change": float(np.mean(generated.change)),
    "temporal_change_real": float(np.mean(real.change)),
  }


def per_pair_accuracy(results: Sequence[GeneratedPair]) -> dict[str, dict]:
  return {pairs.pair_name(r.action, r.scene): accuracies(r.scores) for r in results}


class Evaluator:
  """Scores generators against the real clips of a build; the real clips are scored once, so that
  repeated evaluations (inside training) pay only for generating and scoring the generated clips."""

  def __init__(self, scorer: Scorer, builder: "tfds.core.DatasetBuilder"):
    self.scorer = scorer
    self.real = {name: score_real(scorer, builder, split) for name, (split, _) in GROUPS.items()}

  def __call__(
    self, generate: GenerateFn, config: ml_collections.ConfigDict, keep: int = 4
  ) -> tuple[dict, dict[str, list[GeneratedPair]]]:
    """Scores `generate` on every seen and unseen pair. Returns (report, generated clips by group)."""
    if config.num_per_pair % config.prompts_per_pair or config.num_per_pair // config.prompts_per_pair < 2:
      raise ValueError(
        f"num_per_pair={config.num_per_pair} must be a multiple of prompts_per_pair="
        f"{config.prompts_per_pair} with at least 2 clips per prompt (diversity needs pairs)"
      )
    report, generated = {"groups": {}, "per_pair": {}, "prompts": {}}, {}
    for name, (_, group_pairs) in GROUPS.items():
      results = score_generated(self.scorer, generate, group_pairs, config, keep)
      generated[name] = results
      report["groups"][name] = summarise(ClipScores.concatenate([r.scores for r in results]), self.real[name], config)
      report["per_pair"].update({k: dict(v, group=name) for k, v in per_pair_accuracy(results).items()})
      report["prompts"].update({pairs.pair_name(r.action, r.scene): r.prompts for r in results})
    return report, generated

  @staticmethod
  def headline(report: dict) -> dict[str, float]:
    """The learning-curve figures of a report: per group, action and scene ratio to the ceiling,
    diversity as a share of the real clips', clip Frechet distance and frame-to-frame change.
    A figure the report could not compute (e.g. diversity with one real clip per pair) is left out."""
    figures = {}
    for name, group in report["groups"].items():
      diversity, real = group["diversity"], group["diversity_real"]
      figures.update(
        {
          f"{name}/action_ratio": group["ratio"]["action"],
          f"{name}/scene_ratio": group["ratio"]["scene"],
          f"{name}/diversity_vs_real": diversity / real if diversity is not None and real else None,
          f"{name}/frechet_clip": group["frechet_clip"],
          f"{name}/temporal_change": group["temporal_change"],
        }
      )
    return {k: v for k, v in figures.items() if v is not None}


def evaluate(
  generate: GenerateFn,
  scorer: Scorer,
  builder: "tfds.core.DatasetBuilder",
  config: ml_collections.ConfigDict,
  keep: int = 4,
) -> tuple[dict, dict[str, list[GeneratedPair]]]:
  """Scores `generate` on every seen and unseen pair. Returns (report, generated clips by group)."""
  return Evaluator(scorer, builder)(generate, config, keep)
