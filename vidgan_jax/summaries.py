"""TensorBoard event files written with the `tensorboard` package's own protos: no TensorFlow."""

import io
import time

import numpy as np
from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter


class SummaryWriter:
  """Scalars and images for TensorBoard in `logdir`; `enabled=False` writes nothing (other processes)."""

  def __init__(self, logdir: str, enabled: bool = True):
    self._writer = EventFileWriter(logdir) if enabled else None

  def _add(self, value: summary_pb2.Summary.Value, step: int) -> None:
    if self._writer is not None:
      self._writer.add_event(
        event_pb2.Event(summary=summary_pb2.Summary(value=[value]), step=step, wall_time=time.time())
      )

  def scalar(self, tag: str, value: float, step: int) -> None:
    self._add(summary_pb2.Summary.Value(tag=tag, simple_value=float(value)), step)

  def image(self, tag: str, image: np.ndarray, step: int) -> None:
    """image: uint8 [H, W, 3], stored as PNG."""
    png = io.BytesIO()
    Image.fromarray(image).save(png, format="PNG")
    encoded = summary_pb2.Summary.Image(
      height=image.shape[0], width=image.shape[1], colorspace=3, encoded_image_string=png.getvalue()
    )
    self._add(summary_pb2.Summary.Value(tag=tag, image=encoded), step)

  def flush(self) -> None:
    if self._writer is not None:
      self._writer.flush()

  def close(self) -> None:
    if self._writer is not None:
      self._writer.close()
