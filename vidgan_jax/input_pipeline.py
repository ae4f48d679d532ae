"""Training and evaluation clips read with Grain from a built TFDS dataset, without TensorFlow.

A split is read through `builder.as_data_source`: random access into ArrayRecord files, so each
process takes its own contiguous, equal slice of the split, and the order of an epoch is a seeded
permutation of the whole slice (no shuffle buffer). Batch b of a run is a function of (seed, b)
alone; the iterator's state (its position) goes into every checkpoint, and a resumed run continues
from it without reading the batches before. On the host, captions are tokenized and each clip gets
a mismatched caption (`batches.to_device_batch`).
"""

import logging
import time
from collections.abc import Iterator, Sequence

import grain
import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from vidgan_jax import build_checks, datasets, paths
from vidgan_jax.batch_layout import BatchLayout, batch_layout  # noqa: F401 (re-exported)
from vidgan_jax.batches import READ_OPTIONS, Batch, BatchIterator, allow_grain_flags, train_iterator
from vidgan_jax.text import Tokenizer

logger = logging.getLogger(__name__)
FILE_FORMAT = "array_record"  # What `vidgan build` writes: random access, no TensorFlow.


def load_builder(dataset: str, data_dir: str | None) -> tfds.core.DatasetBuilder:
  """The TFDS builder for e.g. 'action_scenes/32px' (project builders are registered on import)."""
  datasets.register_builders()
  try:
    return tfds.builder(dataset, data_dir=data_dir, file_format=FILE_FORMAT)
  except ValueError as e:
    if "file format is already set" not in str(e).lower():
      raise
  # Built in another format: TFDS refuses to open it as ArrayRecord. Open it as it is, to name it.
  builder = tfds.builder(dataset, data_dir=data_dir)
  check_random_access(builder)
  return builder


def build_command(builder: tfds.core.DatasetBuilder, local_dir: str | None = None) -> str:
  """The `vidgan build` command line that builds `builder`'s dataset config where it is looked for
  (or in `local_dir`)."""
  manual = " --manual_dir=DIR" if builder.MANUAL_DOWNLOAD_INSTRUCTIONS else ""
  data_dir = local_dir or builder.data_dir_root
  return f"vidgan build {builder.name} --config={builder.builder_config.name} --data_dir={data_dir}{manual}"


def other_versions(builder: tfds.core.DatasetBuilder) -> list[str]:
  """Versions of this dataset config built in its data_dir other than the one this code reads."""
  root = epath.Path(builder.data_dir_root) / builder.name / builder.builder_config.name
  if not root.exists():
    return []
  return sorted(d.name for d in root.iterdir() if d.name != str(builder.version) and (d / "dataset_info.json").exists())


def ensure_built(builder: tfds.core.DatasetBuilder, build_if_missing: bool) -> None:
  """Builds the dataset on first use, or explains how to build it; refuses a build it cannot read."""
  if builder.is_prepared():
    check_random_access(builder)
    return
  older = other_versions(builder)
  found = (
    f" (only version {', '.join(older)} is built there, which this code does not read: version "
    f"{builder.version} stores clips as raw arrays that need no TensorFlow)"
    if older
    else ""
  )
  if paths.is_uri(builder.data_dir_root):
    raise FileNotFoundError(
      f"dataset {builder.info.full_name} is not built in {builder.data_dir_root}{found}, and cannot be "
      f"built there (ArrayRecord files are written to local disks only): build it locally with "
      f"`{build_command(builder, local_dir='data')}`, then copy data/{builder.name} into {builder.data_dir_root}"
    )
  if not build_if_missing:
    raise FileNotFoundError(
      f"dataset {builder.info.full_name} is not built in {builder.data_dir_root}{found}; build it with "
      f"`{build_command(builder)}` or set --config.build_if_missing=True"
    )
  if older:
    logger.warning("building %s%s", builder.info.full_name, found)
  builder.download_and_prepare()


def check_random_access(builder: tfds.core.DatasetBuilder) -> None:
  """Raises if the build's files cannot be read by position (e.g. built with --file_format=tfrecord)."""
  file_format = builder.info.file_format
  if file_format not in tfds.core.file_adapters.FileFormat.with_random_access():
    raise ValueError(
      f"dataset {builder.info.full_name} in {builder.data_dir_root} is stored as {file_format.value}, "
      f"which Grain cannot read by position; rebuild it as {FILE_FORMAT} (the default) with "
      f"`{build_command(builder)} --overwrite`"
    )


def check_video_shape(builder: tfds.core.DatasetBuilder, frames: int, size: int) -> None:
  shape = tuple(builder.info.features["video"].shape)
  if shape[:3] != (frames, size, size):
    raise ValueError(
      f"dataset {builder.info.full_name} has clips of shape {shape}, but the config asks "
      f"for frames={frames}, size={size}: set config.frames/config.size to match"
    )


class CheckedSource:
  """A split's data source whose damaged records raise `DamagedBuildError` naming them (instead
  of the reader's own error). Picklable, for Grain's worker processes."""

  def __init__(self, source: Sequence[dict], where: str, rebuild: str):
    self._source, self._where, self._rebuild = source, where, rebuild

  def __len__(self) -> int:
    return len(self._source)

  def __iter__(self) -> Iterator[dict]:
    return (self[i] for i in range(len(self)))

  def __getitem__(self, index: int) -> dict:
    try:
      return self._source[index]
    except RuntimeError as e:
      raise build_checks.damaged_record(e, index, self._where, self._rebuild) from None


def open_split(builder: tfds.core.DatasetBuilder, split: str, *, video: bool = True) -> Sequence[dict]:
  """Random access to the examples of `split` (dicts of numpy values); `video=False` leaves the
  clips undecoded (bytes), for reading the other features fast. Its shards are checked against
  the build's recorded counts first (`build_checks.check_shards`)."""
  rebuild = build_command(builder)
  shards = [(i.filename, i.examples_in_shard) for i in builder.info.splits[split].file_instructions]
  build_checks.check_shards(shards, rebuild)
  decoders = None if video else {"video": tfds.decode.SkipDecoding()}
  where = f"the {split} split of {builder.info.full_name} in {builder.data_dir_root}"
  return CheckedSource(builder.as_data_source(split, decoders=decoders), where, rebuild)


def read_captions(builder: tfds.core.DatasetBuilder, split: str) -> list[str]:
  """All captions of a split, in record order, without decoding any video."""
  return [example["caption"].decode() for example in open_split(builder, split, video=False)]


class LabelledClips:
  """A split's examples reduced to what training reads: video, caption, `label_key` as label
  (the feature whose classes tell captions apart: "pair" for action_scenes, "category" for
  text2video_real) and the `factor_keys` features as factors [F]. Picklable, for Grain's workers."""

  def __init__(self, source: Sequence[dict], label_key: str, factor_keys: Sequence[str] = ()):
    self._source = source
    self._label_key = label_key
    self._factor_keys = tuple(factor_keys)

  def __len__(self) -> int:
    return len(self._source)

  def __getitem__(self, index: int) -> dict:
    example = self._source[index]
    clip = {"video": example["video"], "caption": example["caption"], "label": example[self._label_key]}
    if self._factor_keys:
      clip["factors"] = np.array([example[key] for key in self._factor_keys], np.int64)
    return clip


def factor_classes(builder: tfds.core.DatasetBuilder, factor_keys: Sequence[str]) -> tuple[int, ...]:
  """The class count of each of `factor_keys`, ClassLabel features of the build; ValueError naming
  any that is not one."""
  features = builder.info.features
  labels = [key for key in features if isinstance(features[key], tfds.features.ClassLabel)]
  unknown = [key for key in factor_keys if key not in labels]
  if unknown:
    raise ValueError(f"config.factor_keys names {unknown}: {builder.info.full_name}'s class labels are {labels}")
  return tuple(features[key].num_classes for key in factor_keys)


def split_batches(
  builder: tfds.core.DatasetBuilder,
  tokenizer: Tokenizer,
  layout: BatchLayout,
  *,
  split: str,
  label_key: str,
  seed: int,
  workers: int = 0,
  factor_keys: Sequence[str] = (),
  mismatch: str = "other_pair",
  start_example: int = 0,
) -> BatchIterator:
  """Endless sharded training batches of a built split (see `batches.train_iterator`)."""
  examples = LabelledClips(open_split(builder, split), label_key, factor_keys)
  return train_iterator(
    examples, tokenizer, layout, seed=seed, workers=workers, mismatch=mismatch, start_example=start_example
  )


def clip_to_float(video: np.ndarray) -> np.ndarray:
  """uint8 clips [..., 3] -> float32 in [-1, 1], the generator's range (numpy, for evaluation;
  training batches stay uint8 up to the device, see `train_step.video_to_float`)."""
  return video.astype(np.float32) / 127.5 - 1.0


def ordered_batches(
  builder: tfds.core.DatasetBuilder, split: str, batch_size: int, keys: Sequence[str]
) -> Iterator[dict[str, np.ndarray]]:
  """Every example of `split` once, in record order, as batches of `keys` (the last one smaller)."""
  allow_grain_flags()
  source = open_split(builder, split)
  dataset = grain.MapDataset.source(source).map(lambda example: {k: example[k] for k in keys})
  return iter(dataset.batch(batch_size).to_iter_dataset(READ_OPTIONS))


class TfdsData:
  """The training split of a built TFDS dataset (`config.input="tfds"`), built first if missing."""

  def __init__(self, config):
    self.config = config
    self.builder = load_builder(config.dataset, config.data_dir)
    ensure_built(self.builder, config.build_if_missing)
    check_video_shape(self.builder, config.frames, config.size)
    self._factor_classes = factor_classes(self.builder, config.factor_keys)

  def factor_classes(self) -> tuple[int, ...]:
    """The class count of each of config.factor_keys."""
    return self._factor_classes

  def captions(self) -> list[str]:
    return read_captions(self.builder, self.config.train_split)

  def batches(self, tokenizer: Tokenizer, layout: BatchLayout, start_example: int = 0) -> BatchIterator:
    c = self.config
    return split_batches(
      self.builder,
      tokenizer,
      layout,
      split=c.train_split,
      label_key=c.label_key,
      seed=c.seed,
      workers=c.input_workers,
      factor_keys=c.factor_keys,
      mismatch=c.mismatch,
      start_example=start_example,
    )


def clips_per_second(iterator: Iterator[Batch], process_batch: int, *, batches: int, warm_up: int = 2) -> float:
  """Clips/s that `iterator` sustains (decoded, tokenized, sharded numpy batches), timed after
  `warm_up` batches (worker start-up, the first reads)."""
  for _ in range(warm_up):
    next(iterator)
  start = time.perf_counter()
  for _ in range(batches):
    next(iterator)
  return batches * process_batch / (time.perf_counter() - start)
