"""text2video_real: your own captioned videos (e.g. the paper's Kinetics/YouTube clips) as a TFDS dataset."""

import collections
import dataclasses
import json
import logging
import multiprocessing
import os

import tensorflow_datasets as tfds
from etils import epath

from vidgan_jax.datasets.text2video_real import decode, manifest, workers
from vidgan_jax.datasets.video_feature import video_feature

logger = logging.getLogger(__name__)

PAPER_CATEGORIES = (
  "biking in snow",
  "jogging",
  "kite surfing",
  "playing football",
  "playing golf",
  "playing hockey",
  "playing soccer",
  "sailing",
  "swimming",
  "water skiing",
)
REPORT_FILE = "build_report.json"


@dataclasses.dataclass
class RealVideoConfig(tfds.core.BuilderConfig):
  """Clip size, sampling rate, what to do with short videos, and the category names."""

  frames: int = 32
  size: int = 64
  fps: float = 32.0  # The paper: 32 frames, about one second.
  pad_short: bool = False  # True: repeat the last frame of short videos; False: skip them.
  categories: tuple[str, ...] = PAPER_CATEGORIES
  workers: int = 0  # Decoding processes; 0 = one per CPU core.
  max_side: int = decode.MAX_SIDE  # Videos with wider or taller frames are skipped (too_large).


class Builder(tfds.core.GeneratorBasedBuilder):
  """Captioned real videos from a manual_dir, decoded with PyAV; bad files are skipped and reported."""

  # The folder of README.md and CITATIONS.bib: installed as vidgan_jax.datasets from the top-level
  # tfds_builders/, the module's dotted name does not spell its folder, from which TFDS guesses it.
  pkg_dir_path = epath.Path(__file__).parent

  VERSION = tfds.core.Version("2.0.0")
  RELEASE_NOTES = {
    "1.0.0": "Initial release.",
    "1.1.0": "Rotated videos are decoded upright; new skip reasons (broken_link, not_a_file, no_frames, "
    "too_large, decoder_error, worker_died); a dying decoder costs its file only; Beam path.",
    "2.0.0": "Clips stored as raw uint8 arrays (not PNG frames): no TensorFlow to write or read them, "
    "random access through ArrayRecord files.",
  }
  MANUAL_DOWNLOAD_INSTRUCTIONS = """
  Put your video files in the manual_dir (subfolders are fine) and a `videos.csv` beside them:

      path,caption,category,split
      golf/clip001.mp4,a man plays golf on the grass,playing golf,train
      sea/kite07.mp4,kitesurfing on the waves,kite surfing,

  `path` is relative to the manual_dir; `category` is one of the config's categories (by default
  the paper's ten); `split` (train/validation/test) is optional and otherwise derived from a hash of
  the path. Then: vidgan build text2video_real --config=64px --manual_dir=DIR
  """
  BUILDER_CONFIGS = [
    RealVideoConfig(
      name="64px", frames=32, size=64, fps=32.0, description="32 frames of 64x64 at 32 fps (the paper's clips)."
    ),
    RealVideoConfig(
      name="32px", frames=16, size=32, fps=16.0, description="16 frames of 32x32 at 16 fps (CPU experiments)."
    ),
    RealVideoConfig(
      name="tiny",
      frames=8,
      size=16,
      fps=8.0,
      pad_short=True,
      description="8 frames of 16x16 at 8 fps, short videos padded (tests).",
    ),
  ]
  DEFAULT_CONFIG_NAME = "64px"

  def _info(self) -> tfds.core.DatasetInfo:
    c = self.builder_config
    return self.dataset_info_from_configs(
      features=tfds.features.FeaturesDict(
        {
          "video": video_feature(c.frames, c.size),
          "caption": tfds.features.Text(),
          "category": tfds.features.ClassLabel(names=c.categories),
          "path": tfds.features.Text(doc="The file, relative to the manual_dir."),
        }
      ),
      supervised_keys=("caption", "video"),
      homepage="https://arxiv.org/abs/1710.00421",
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    # TFDS itself stops on a missing or empty manual_dir, printing MANUAL_DOWNLOAD_INSTRUCTIONS.
    manual_dir = os.fspath(dl_manager.manual_dir)
    rows, rejected = manifest.read_manifest(manual_dir, self.builder_config.categories)
    self._report = {"manual_dir": manual_dir, "skipped": [dataclasses.asdict(r) for r in rejected]}
    by_split = collections.defaultdict(list)
    for row in rows:
      by_split[row.split].append(row)
    return {
      split: self._generate_examples(manual_dir, by_split[split], split) for split in manifest.SPLITS if by_split[split]
    }

  def _generate_splits(self, dl_manager, download_config):
    # TFDS's hook that sees the download config: Beam options (`--beam_pipeline_options`) or a
    # runner choose the Beam path for the examples; without them the local worker pool decodes.
    self._use_beam = download_config.beam_options is not None or download_config.beam_runner is not None
    return super()._generate_splits(dl_manager, download_config)

  def _generate_examples(self, manual_dir: str, rows: list[manifest.Row], split: str):
    c = self.builder_config
    jobs = [(row, manual_dir, c.frames, c.size, c.fps, c.pad_short, c.max_side) for row in rows]
    if self._use_beam:
      from vidgan_jax.datasets.text2video_real import beam_decode  # Beam is an optional extra.

      return beam_decode.DecodeRows(jobs, split, self._skipped_part(split))
    return self._decode_locally(rows, jobs, split)

  def _decode_locally(self, rows: list[manifest.Row], jobs: list[tuple], split: str):
    processes = self.builder_config.workers or multiprocessing.cpu_count()
    results = workers.map_in_processes(decode.decode_row, jobs, processes)
    kept = 0
    for row, result in zip(rows, results, strict=True):  # In order: deterministic.
      if isinstance(result, workers.WorkerDied):
        result = decode.ClipError(decode.WORKER_DIED, str(result))
      if isinstance(result, decode.ClipError):
        self._report["skipped"].append(
          {"line": row.line, "path": row.path, "reason": result.reason, "detail": result.detail}
        )
        continue
      kept += 1
      yield row.path, {"video": result, "caption": row.caption, "category": row.category, "path": row.path}
    self._report.setdefault("kept", {})[split] = kept
    self._write_report()

  def _skipped_part(self, split: str) -> str:
    """Where the Beam path's workers list a split's skipped files, until the report takes them in."""
    return os.path.join(os.fspath(self.data_dir), f"skipped_{split}.json")

  def _process_pipeline_result(self, pipeline_result) -> None:
    """After the Beam pipeline: the report from its counters and the skipped lists its workers wrote."""
    from vidgan_jax.datasets.text2video_real import beam_decode

    counters = beam_decode.read_counters(pipeline_result)
    self._report["kept"] = {
      split: counters.get(f"kept/{split}", 0)
      for split in manifest.SPLITS
      if epath.Path(self._skipped_part(split)).exists()
    }
    for split in self._report["kept"]:
      part = epath.Path(self._skipped_part(split))
      self._report["skipped"] += json.loads(part.read_text())
      part.unlink()
    self._write_report()

  def _write_report(self) -> None:
    """build_report.json beside the dataset's records, and a one-line summary in the log."""
    skipped = self._report["skipped"]
    counts = collections.Counter(s["reason"] for s in skipped)
    self._report["skipped_by_reason"] = dict(sorted(counts.items()))
    (epath.Path(self.data_dir) / REPORT_FILE).write_text(json.dumps(self._report, indent=2))
    logger.warning(
      "text2video_real: kept %s, skipped %d (%s); the list is in %s in the dataset directory",
      self._report["kept"],
      len(skipped),
      ", ".join(f"{k}: {v}" for k, v in counts.items()) or "none",
      REPORT_FILE,
    )
