"""Decoding one video file into a fixed-length, square clip with PyAV.

`decode_clip` samples `frames` frames at `fps` from the middle of the video (seeking to the window
instead of decoding from the start), turns each upright (the file's display rotation), centre-crops
it to a square and resizes it. Every way a file can be unusable raises `ClipError` with a short
machine-readable reason, so a build can skip, count and report it instead of crashing.
"""

import os

import av
import numpy as np
from PIL import Image

VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg")

# Reasons a file or row is skipped (the keys of the build report).
MISSING_FILE = "missing_file"
BROKEN_LINK = "broken_link"
NOT_A_FILE = "not_a_file"
ZERO_LENGTH = "zero_length"
WRONG_EXTENSION = "wrong_extension"
UNREADABLE = "unreadable"
NO_VIDEO_STREAM = "no_video_stream"
TOO_SHORT = "too_short"
TRUNCATED = "truncated"
NO_FRAMES = "no_frames"
TOO_LARGE = "too_large"
DECODER_ERROR = "decoder_error"
WORKER_DIED = "worker_died"

# Frames wider or taller than this are refused (`too_large`): a 64-pixel clip gains nothing from
# them, and a damaged header can claim sizes whose decoding exhausts memory.
MAX_SIDE = 4096


class ClipError(Exception):
  """A file that cannot give a clip; `reason` is one of the constants above."""

  def __init__(self, reason: str, detail: str):
    super().__init__(reason, detail)  # Both in args, so the error pickles across worker processes.
    self.reason = reason
    self.detail = detail

  def __str__(self) -> str:
    return f"{self.reason}: {self.detail}"


def check_file(path: str) -> None:
  """Cheap checks before opening: a regular file (a FIFO would block the reader), non-empty, a
  video extension."""
  if os.path.islink(path) and not os.path.exists(path):
    raise ClipError(BROKEN_LINK, "a symbolic link that leads nowhere (or back to itself)")
  if not os.path.exists(path):
    raise ClipError(MISSING_FILE, "no such file")
  if not os.path.isfile(path):
    raise ClipError(NOT_A_FILE, "not a regular file (a directory, a pipe or a device)")
  if os.path.getsize(path) == 0:
    raise ClipError(ZERO_LENGTH, "the file is empty")
  if not path.lower().endswith(VIDEO_EXTENSIONS):
    raise ClipError(WRONG_EXTENSION, f"not one of {', '.join(VIDEO_EXTENSIONS)}")


def square_resize(frame: np.ndarray, size: int) -> np.ndarray:
  """Centre crop [H, W, 3] to a square, then resize to [size, size, 3] (area-like filter)."""
  h, w, _ = frame.shape
  side = min(h, w)
  top, left = (h - side) // 2, (w - side) // 2
  image = Image.fromarray(frame[top : top + side, left : left + side])
  return np.asarray(image.resize((size, size), Image.Resampling.BOX if side >= size else Image.Resampling.BILINEAR))


def _duration_seconds(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
  if stream.duration is not None and stream.time_base is not None:
    return float(stream.duration * stream.time_base)
  if container.duration is not None:
    return container.duration / av.time_base
  return 0.0


def upright(frame: np.ndarray, rotation: int) -> np.ndarray:
  """[H, W, 3] as it is meant to be seen: `rotation` is the file's counter-clockwise display
  rotation in degrees (phones store portrait video sideways with a rotation of -90 or 90)."""
  return np.rot90(frame, k=round(rotation / 90) % 4)


def decode_clip(path: str, frames: int, size: int, fps: float, pad_short: bool, max_side: int = MAX_SIDE) -> np.ndarray:
  """uint8 [frames, size, size, 3] from the middle `frames / fps` seconds of the video at `path`.

  Frame k shows what the video shows at time start + k / fps (the latest frame at or before it).
  A video shorter than the window is padded by repeating its last frame when `pad_short`, else
  rejected (`too_short`); one with a side over `max_side` pixels is rejected (`too_large`).
  """
  check_file(path)
  try:
    container = av.open(path)
  except (av.error.FFmpegError, OSError, UnicodeDecodeError) as e:
    raise ClipError(UNREADABLE, str(e)) from None
  with container:
    if not container.streams.video:
      raise ClipError(NO_VIDEO_STREAM, "the file has no video stream (audio only?)")
    stream = container.streams.video[0]
    if max(stream.width, stream.height) > max_side:
      raise ClipError(TOO_LARGE, f"{stream.width}x{stream.height} frames; the limit is {max_side} pixels a side")
    stream.thread_type = "AUTO"  # Frame- and slice-threaded decoding.
    duration, window = _duration_seconds(container, stream), frames / fps
    start = max(0.0, (duration - window) / 2)
    if start > 0:
      _seek(container, stream, start)
    picked = _sample(container, stream, start + np.arange(frames) / fps, size)
  if not picked:
    if duration == 0:
      raise ClipError(NO_FRAMES, "the video stream holds no frame that decodes")
    raise ClipError(TRUNCATED, f"the file claims {duration:.2f} s but no frame decodes")
  if len(picked) < frames:
    if duration >= window + 1.0 / fps:
      raise ClipError(TRUNCATED, f"the file claims {duration:.2f} s but only {len(picked)} of {frames} frames decode")
    if not pad_short:
      raise ClipError(TOO_SHORT, f"{duration:.2f} s is shorter than the {window:.2f} s needed")
    picked += [picked[-1]] * (frames - len(picked))
  return np.stack(picked)


def _seek(container, stream, seconds: float) -> None:
  """Seeks to the window instead of decoding everything before it. A file whose index is damaged
  refuses to seek; it is then decoded from the start (slower, same frames)."""
  try:
    container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
  except (av.error.FFmpegError, OSError):
    pass


def _sample(container, stream, targets: np.ndarray, size: int) -> list[np.ndarray]:
  """Sample-and-hold: for each target time, the latest decoded frame at or before it."""
  tolerance = 1e-3  # Seconds; absorbs timestamp rounding.
  picked, shown, shown_image = [], None, None

  def image_of(frame):
    return square_resize(upright(frame.to_ndarray(format="rgb24"), frame.rotation), size)

  try:
    for frame in container.decode(stream):
      if frame.time is None:
        continue
      while len(picked) < len(targets) and targets[len(picked)] < frame.time - tolerance:
        if shown_image is None:  # A target before the first decoded frame takes that frame.
          shown_image = image_of(shown or frame)
        picked.append(shown_image)
      if len(picked) == len(targets):
        return picked
      shown, shown_image = frame, None
  except (av.error.FFmpegError, OSError) as e:
    if not picked and shown is None:
      raise ClipError(UNREADABLE, str(e)) from None
    raise ClipError(TRUNCATED, f"decoding stopped after {len(picked)} of {len(targets)} frames: {e}") from None
  if shown is not None:  # The last frame stays on screen for one frame period.
    period = float(1 / stream.average_rate) if stream.average_rate else 0.0
    image = image_of(shown)
    while len(picked) < len(targets) and targets[len(picked)] < shown.time + period - tolerance:
      picked.append(image)
  return picked


def decode_row(job: tuple) -> np.ndarray | ClipError:
  """The builder's worker: (row, manual_dir, frames, size, fps, pad_short, max_side) -> clip or ClipError.

  Any other exception (a decoder bug on a strange file) also comes back as a ClipError
  (`decoder_error`): it costs that file, not the build. It lives here, not in the builder's module:
  `tfds build tfds_builders/text2video_real` (TFDS given a builder's folder) imports the
  builder module under a top-level name that spawned worker processes cannot import, while this module is
  always `vidgan_jax.datasets.text2video_real.decode`.
  """
  row, manual_dir, frames, size, fps, pad_short, max_side = job
  try:
    return decode_clip(os.path.join(manual_dir, row.path), frames, size, fps, pad_short, max_side)
  except ClipError as e:
    return e
  except Exception as e:  # noqa: BLE001  (whatever PyAV or FFmpeg raise on a file nobody foresaw)
    return ClipError(DECODER_ERROR, f"{type(e).__name__}: {e}")
