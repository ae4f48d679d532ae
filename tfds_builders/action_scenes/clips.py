"""One example of the dataset as a pure function of (split, index, seed)."""

import dataclasses
import functools
import multiprocessing
import zlib
from collections.abc import Iterator

import numpy as np

from vidgan_jax.datasets.action_scenes import pairs
from vidgan_jax.datasets.action_scenes.actions import ACTION_RENDERERS
from vidgan_jax.datasets.action_scenes.captions import make_caption
from vidgan_jax.datasets.action_scenes.render import Canvas, Nuisance, blend, sample_nuisance
from vidgan_jax.datasets.action_scenes.scenes import SCENE_RENDERERS
from vidgan_jax.processes import die_with_parent


@dataclasses.dataclass(frozen=True)
class ClipSpec:
  frames: int
  size: int  # height == width


@dataclasses.dataclass(frozen=True)
class Variant:
  """One builder config: clip shape, seed and per-split example counts."""

  spec: ClipSpec
  split_sizes: tuple[tuple[str, int], ...]
  seed: int = 0


def _variant(
  frames: int, size: int, train: int, validation: int, test: int, test_unseen: int, classifier: int
) -> Variant:
  return Variant(
    ClipSpec(frames, size),
    (
      ("train", train),
      ("validation", validation),
      ("test", test),
      ("test_unseen", test_unseen),
      ("classifier", classifier),
    ),
  )


# The dataset's configs (the builder's BUILDER_CONFIGS), readable without TensorFlow or TFDS.
VARIANTS = {
  "64px": _variant(32, 64, train=10_000, validation=500, test=1_000, test_unseen=1_000, classifier=6_000),
  "32px": _variant(16, 32, train=4_000, validation=200, test=400, test_unseen=400, classifier=3_000),
  # The CPU proxy for model experiments: the 32px splits at 8x16x16, ~5x faster to train on.
  "16px": _variant(8, 16, train=4_000, validation=200, test=400, test_unseen=400, classifier=3_000),
  "tiny": _variant(8, 16, train=80, validation=20, test=20, test_unseen=20, classifier=120),
}


def render_clip(spec: ClipSpec, action: str, scene: str, nuisance: Nuisance, rng: np.random.Generator) -> np.ndarray:
  """Renders one clip as uint8 [T, H, W, 3]."""
  shake = (nuisance.shake * rng.standard_normal((spec.frames, 2))).astype(np.float32)
  canvas = Canvas(spec.frames, spec.size, spec.size, shake)
  image = SCENE_RENDERERS[scene](canvas, rng)
  for alpha, colour in ACTION_RENDERERS[action](canvas, nuisance):
    image = blend(image, alpha, colour)
  image = np.clip(image * nuisance.light, 0.0, 1.0)
  return np.round(image * 255).astype(np.uint8)


def example_rng(split: str, index: int, seed: int) -> np.random.Generator:
  # crc32, not hash(): Python salts str hashes per process, which would break determinism.
  return np.random.default_rng([seed, zlib.crc32(split.encode()), index])


def make_example(spec: ClipSpec, split: str, index: int, seed: int) -> dict:
  """The `index`-th example of `split`; its pair cycles through the split's pairs."""
  split_pairs = pairs.SPLIT_PAIRS[split]
  action, scene = split_pairs[index % len(split_pairs)]
  rng = example_rng(split, index, seed)
  nuisance = sample_nuisance(rng)
  return {
    "video": render_clip(spec, action, scene, nuisance, rng),
    "caption": make_caption(rng, action, scene, nuisance.colour, nuisance.direction),
    "action": action,
    "scene": scene,
    "pair": pairs.pair_name(action, scene),
    "colour": nuisance.colour,
    "direction": nuisance.direction,
    "size": np.float32(nuisance.size),
    "speed": np.float32(nuisance.speed),
  }


def render_examples(spec: ClipSpec, split: str, count: int, seed: int, workers: int) -> Iterator[tuple[int, dict]]:
  """(index, example) for the first `count` examples of `split`, in index order.

  With workers > 1 they are rendered by that many spawned processes (not forked: the caller may
  run TensorFlow's or JAX's threads); the examples are the same either way.
  """
  make = functools.partial(make_example, spec, split, seed=seed)
  if workers <= 1:
    yield from ((index, make(index)) for index in range(count))
    return
  with multiprocessing.get_context("spawn").Pool(workers, initializer=die_with_parent) as pool:
    yield from enumerate(pool.imap(make, range(count), chunksize=max(1, min(64, count // (4 * workers)))))
