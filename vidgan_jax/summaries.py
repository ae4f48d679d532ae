"""A `MetricWriter` (jax-loop-utils' interface, as flax's examples use clu's) that writes TensorBoard
event files with the `tensorboard` package's own protos: no TensorFlow."""

import io
import logging
import shutil
import tempfile
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from etils import epath
from jax_loop_utils import metric_writers
from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.histogram import summary_v2 as histogram_summary
from tensorboard.plugins.hparams import summary_v2 as hparams_summary
from tensorboard.plugins.text import summary_v2 as text_summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from vidgan_jax import paths, video_io

logger = logging.getLogger(__name__)


def _image_value(tag: str, image: np.ndarray) -> summary_pb2.Summary.Value:
  """uint8 [H, W, C] (C = 1, 3 or 4) as a PNG image summary."""
  png = io.BytesIO()
  Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).save(png, format="PNG")
  encoded = summary_pb2.Summary.Image(
    height=image.shape[0], width=image.shape[1], colorspace=image.shape[-1], encoded_image_string=png.getvalue()
  )
  return summary_pb2.Summary.Value(tag=tag, image=encoded)


def _video_value(tag: str, frames: np.ndarray, fps: int) -> summary_pb2.Summary.Value:
  """uint8 [T, H, W, 3] as an animated GIF image summary, which TensorBoard's image dashboard plays."""
  encoded = summary_pb2.Summary.Image(
    height=frames.shape[1], width=frames.shape[2], colorspace=3, encoded_image_string=video_io.gif_bytes(frames, fps)
  )
  return summary_pb2.Summary.Value(tag=tag, image=encoded)


class TensorBoardWriter(metric_writers.MetricWriter):
  """Scalars, images, texts, histograms and hyper-parameters as TensorBoard events in `logdir`.

  A `logdir` in a bucket (gs://...) cannot be appended to (an object is written whole), so there
  the events go to a local file that each `flush` closes and uploads whole, as one more event file
  of the run (TensorBoard reads a run's files in order), before starting the next.
  """

  def __init__(self, logdir: str, video_fps: int = 8):
    self._video_fps = video_fps
    self._remote = epath.Path(logdir) if paths.is_uri(logdir) else None
    self._local = tempfile.mkdtemp(prefix="vidgan_events_") if self._remote else logdir
    self._parts = 0
    self._writer = self._open()

  def _open(self) -> EventFileWriter:
    # A suffix per part: two parts opened within one second get different names.
    return EventFileWriter(self._local, filename_suffix=f".{self._parts:05d}" if self._remote else "")

  def _upload(self) -> None:
    """Closes the local part, copies it into the bucket whole and starts the next part."""
    self._writer.close()
    path = epath.Path(self._writer.get_logdir())
    self._remote.mkdir(parents=True, exist_ok=True)
    for part in path.iterdir():
      (self._remote / part.name).write_bytes(part.read_bytes())
      part.unlink()
    self._parts += 1

  def _write(self, step: int, summary: summary_pb2.Summary) -> None:
    self._writer.add_event(event_pb2.Event(summary=summary, step=step, wall_time=time.time()))

  def write_scalars(self, step: int, scalars: Mapping[str, Any]) -> None:
    values = [summary_pb2.Summary.Value(tag=k, simple_value=float(v)) for k, v in scalars.items()]
    self._write(step, summary_pb2.Summary(value=values))

  def write_images(self, step: int, images: Mapping[str, Any]) -> None:
    """Each image uint8 [H, W, C], or [N, H, W, C] written as tag/0 ... tag/N-1."""
    values = []
    for tag, image in images.items():
      image = np.asarray(image)
      if image.ndim == 3:
        values.append(_image_value(tag, image))
      else:
        values.extend(_image_value(f"{tag}/{i}", one) for i, one in enumerate(image))
    self._write(step, summary_pb2.Summary(value=values))

  def write_videos(self, step: int, videos: Mapping[str, Any]) -> None:
    """Each video uint8 [T, H, W, 3] as an animated GIF in the image dashboard."""
    values = [_video_value(tag, np.asarray(frames), self._video_fps) for tag, frames in videos.items()]
    self._write(step, summary_pb2.Summary(value=values))

  def write_audios(self, step: int, audios: Mapping[str, Any], *, sample_rate: int) -> None:
    del step, sample_rate
    logger.warning("TensorBoardWriter does not write audio (%s)", ", ".join(audios))

  def write_texts(self, step: int, texts: Mapping[str, str]) -> None:
    for tag, text in texts.items():
      self._write(step, text_summary.text_pb(tag, text))

  def write_histograms(self, step: int, arrays: Mapping[str, Any], num_buckets: Mapping[str, int] | None = None):
    for tag, values in arrays.items():
      buckets = (num_buckets or {}).get(tag, 30)
      self._write(step, histogram_summary.histogram_pb(tag, np.asarray(values, np.float64), buckets=buckets))

  def write_hparams(self, hparams: Mapping[str, Any]) -> None:
    """Flat scalars and strings; anything else is written as its repr."""
    flat = {k: v if isinstance(v, (bool, int, float, str)) else repr(v) for k, v in hparams.items()}
    self._write(0, hparams_summary.hparams_pb(flat))

  def flush(self) -> None:
    if self._remote:
      self._upload()
      self._writer = self._open()
    else:
      self._writer.flush()

  def close(self) -> None:
    if self._remote:
      self._upload()
      shutil.rmtree(self._local, ignore_errors=True)
    else:
      self._writer.close()


def create_default_writer(logdir: str, *, enabled: bool) -> metric_writers.MetricWriter:
  """TensorBoard events in `logdir`, written on a background thread (PNG encoding off the training
  loop); with `enabled=False` (processes other than 0) a writer that writes nothing."""
  if not enabled:
    return metric_writers.MultiWriter([])
  return metric_writers.AsyncWriter(TensorBoardWriter(logdir))
