"""action_scenes: procedurally rendered action-scene clips with captions (see README.md)."""

import dataclasses
import multiprocessing

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from vidgan_jax.datasets.action_scenes import clips, eval_prompts, pairs
from vidgan_jax.datasets.action_scenes.render import AGENT_COLOURS, DIRECTIONS
from vidgan_jax.datasets.video_feature import video_feature

CLIPS_PER_WORKER_AT_LEAST = 250


@dataclasses.dataclass
class ActionScenesConfig(tfds.core.BuilderConfig):
  """Clip size and per-split example counts."""

  frames: int = 32
  size: int = 64
  seed: int = 0
  split_sizes: tuple[tuple[str, int], ...] = ()


def _config(name: str) -> ActionScenesConfig:
  variant = clips.VARIANTS[name]
  frames, size = variant.spec.frames, variant.spec.size
  return ActionScenesConfig(
    name=name,
    frames=frames,
    size=size,
    seed=variant.seed,
    description=f"{frames} frames of {size}x{size} RGB.",
    split_sizes=variant.split_sizes,
  )


class Builder(tfds.core.GeneratorBasedBuilder):
  """Procedural text-to-video dataset: 10 actions x 6 scenes, with held-out pairs."""

  # The folder of README.md and CITATIONS.bib: installed as vidgan_jax.datasets from the top-level
  # tfds_builders/, the module's dotted name does not spell its folder, from which TFDS guesses it.
  pkg_dir_path = epath.Path(__file__).parent

  VERSION = tfds.core.Version("2.0.0")
  RELEASE_NOTES = {
    "1.0.0": "Initial release.",
    "2.0.0": "Clips stored as raw uint8 arrays (not PNG frames): no TensorFlow to write or read them, "
    "random access through ArrayRecord files.",
  }
  BUILDER_CONFIGS = [_config(name) for name in clips.VARIANTS]
  DEFAULT_CONFIG_NAME = "32px"

  def _info(self) -> tfds.core.DatasetInfo:
    c = self.builder_config
    return self.dataset_info_from_configs(
      features=tfds.features.FeaturesDict(
        {
          "video": video_feature(c.frames, c.size),
          "caption": tfds.features.Text(),
          "action": tfds.features.ClassLabel(names=pairs.ACTIONS),
          "scene": tfds.features.ClassLabel(names=pairs.SCENES),
          "pair": tfds.features.ClassLabel(names=pairs.PAIR_NAMES),
          "colour": tfds.features.ClassLabel(names=tuple(AGENT_COLOURS)),
          "direction": tfds.features.ClassLabel(names=DIRECTIONS),
          "size": tfds.features.Scalar(dtype=np.float32, doc="Agent scale (1 = nominal)."),
          "speed": tfds.features.Scalar(dtype=np.float32, doc="Motion speed multiplier."),
        }
      ),
      supervised_keys=("caption", "video"),
      homepage="https://arxiv.org/abs/1710.00421",
      metadata=tfds.core.MetadataDict(evaluation=eval_prompts.evaluation_metadata()),
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    del dl_manager  # Everything is rendered; nothing to download.
    return {split: self._generate_examples(split, count) for split, count in self.builder_config.split_sizes}

  def _generate_examples(self, split: str, count: int):
    c = self.builder_config
    # One rendering process per core; a pool's start-up (~1 s) pays off from a few hundred clips.
    workers = min(multiprocessing.cpu_count(), count // CLIPS_PER_WORKER_AT_LEAST)
    yield from clips.render_examples(clips.ClipSpec(frames=c.frames, size=c.size), split, count, c.seed, workers)
