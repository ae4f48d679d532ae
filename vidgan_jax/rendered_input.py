"""Training batches from action_scenes clips rendered in this process: no TensorFlow, no TFDS.

`config.input="rendered"` trains on exactly the clips a build of the same dataset config holds
(example i of a split is a pure function of (split, i, seed)), rendered by worker processes at
start-up and kept in memory as uint8: no build step, no disk. Every process renders the whole
split (the tokenizer needs all captions) and trains on its own slice, batched by Grain as a
built dataset is (`batches.train_iterator`).
"""

import logging

import numpy as np

from vidgan_jax.batch_layout import BatchLayout
from vidgan_jax.batches import BatchIterator, train_iterator, worker_count
from vidgan_jax.datasets.action_scenes import clips, pairs
from vidgan_jax.text import Tokenizer

logger = logging.getLogger(__name__)


def variant(dataset: str) -> clips.Variant:
  """The action_scenes config named by e.g. 'action_scenes/32px'; ValueError for any other."""
  name, _, config_name = dataset.partition("/")
  if name != "action_scenes" or config_name not in clips.VARIANTS:
    raise ValueError(
      f"config.input='rendered' renders action_scenes only: dataset {dataset!r} is not one of "
      f"{', '.join('action_scenes/' + v for v in clips.VARIANTS)}"
    )
  return clips.VARIANTS[config_name]


# The class names of each labelled factor a caption names, as the built dataset's ClassLabels hold them.
FACTOR_CLASSES = {"action": pairs.ACTIONS, "scene": pairs.SCENES}


def check_factor_keys(factor_keys) -> None:
  unknown = [key for key in factor_keys if key not in FACTOR_CLASSES]
  if unknown:
    raise ValueError(f"config.factor_keys names {unknown}: rendered action_scenes clips have {list(FACTOR_CLASSES)}")


def render_split(dataset: str, split: str, workers: int, factor_keys=()) -> dict[str, np.ndarray]:
  """Every example of `split`: video uint8 [N, T, H, W, 3], caption (bytes) [N], label (pair id) [N]
  and, for `factor_keys`, factors (class ids) [N, F]; rendered by `workers` spawned processes."""
  check_factor_keys(factor_keys)
  v = variant(dataset)
  examples = [e for _, e in clips.render_examples(v.spec, split, dict(v.split_sizes)[split], v.seed, workers)]
  data = {
    "video": np.stack([e["video"] for e in examples]),
    "caption": np.array([e["caption"].encode() for e in examples], dtype=object),
    "label": np.array([pairs.PAIR_NAMES.index(e["pair"]) for e in examples], np.int64),
  }
  if factor_keys:
    data["factors"] = np.array([[FACTOR_CLASSES[k].index(e[k]) for k in factor_keys] for e in examples], np.int64)
  return data


class InMemoryClips:
  """Random access to the examples of `render_split`'s arrays (dicts of one example's values)."""

  def __init__(self, data: dict[str, np.ndarray]):
    self.data = data

  def __len__(self) -> int:
    return len(self.data["label"])

  def __getitem__(self, index: int) -> dict:
    return {k: v[index] for k, v in self.data.items()}


class RenderedData:
  """The training split rendered at start-up (`config.input="rendered"`)."""

  def __init__(self, config):
    spec = variant(config.dataset).spec
    if (spec.frames, spec.size) != (config.frames, config.size):
      raise ValueError(
        f"dataset {config.dataset} has {spec.frames}x{spec.size}x{spec.size} clips, but the "
        f"config asks for frames={config.frames}, size={config.size}"
      )
    self.seed, self.mismatch, self.factor_keys = config.seed, config.mismatch, tuple(config.factor_keys)
    workers = worker_count(config.input_workers)
    logger.info("rendering the %s split of %s with %d worker process(es)", config.train_split, config.dataset, workers)
    self.data = render_split(config.dataset, config.train_split, workers, self.factor_keys)
    logger.info("rendered %d clips", len(self.data["label"]))

  def captions(self) -> list[str]:
    return [c.decode() for c in self.data["caption"]]

  def factor_classes(self) -> tuple[int, ...]:
    """The class count of each of config.factor_keys."""
    return tuple(len(FACTOR_CLASSES[key]) for key in self.factor_keys)

  def batches(self, tokenizer: Tokenizer, layout: BatchLayout, start_example: int = 0) -> BatchIterator:
    # Read in this process: worker processes would each get a copy of the clips.
    return train_iterator(
      InMemoryClips(self.data),
      tokenizer,
      layout,
      seed=self.seed,
      workers=0,
      mismatch=self.mismatch,
      start_example=start_example,
    )
