"""Writing clips: GIF, MP4 (PyAV, libx264), PNG, and grids of clips, to local paths or any
`etils.epath` URI (each file is encoded in memory, then written whole)."""

import io
import os
from collections.abc import Sequence

import numpy as np
from etils import epath
from PIL import Image


def to_uint8(x: np.ndarray) -> np.ndarray:
  """float in [-1, 1] -> uint8 in [0, 255]."""
  return np.clip(np.round((np.asarray(x, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def upscale(frames: np.ndarray, factor: int) -> np.ndarray:
  """Nearest-neighbour upscaling of [..., H, W, C] so small clips are visible."""
  return frames.repeat(factor, axis=-3).repeat(factor, axis=-2) if factor > 1 else frames


MARK_COLOUR = (220, 30, 30)


def grid(videos: np.ndarray, pad: int = 2, marked_rows: Sequence[bool] | None = None, mark: int = 4) -> np.ndarray:
  """uint8 [R, C, T, H, W, 3] -> [T, R*(H+pad)-pad, C*(W+pad)-pad, 3], white gutters.

  With `marked_rows` (one flag per row), a `mark`-wide bar on the left is red for flagged rows.
  """
  rows, cols, frames, h, w, _ = videos.shape
  left = mark + pad if marked_rows is not None else 0
  out = np.full((frames, rows * (h + pad) - pad, left + cols * (w + pad) - pad, 3), 255, np.uint8)
  for r in range(rows):
    top = r * (h + pad)
    if marked_rows is not None and marked_rows[r]:
      out[:, top : top + h, :mark] = MARK_COLOUR
    for c in range(cols):
      out[:, top : top + h, left + c * (w + pad) : left + c * (w + pad) + w] = videos[r, c]
  return out


def _write(path: str | os.PathLike, data: bytes) -> None:
  path = epath.Path(path)
  path.parent.mkdir(parents=True, exist_ok=True)
  path.write_bytes(data)


def gif_bytes(frames: np.ndarray, fps: int = 8) -> bytes:
  """uint8 [T, H, W, 3] -> a looping GIF's bytes."""
  images = [Image.fromarray(f) for f in frames]
  encoded = io.BytesIO()
  images[0].save(encoded, "GIF", save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
  return encoded.getvalue()


def write_gif(path: str | os.PathLike, frames: np.ndarray, fps: int = 8) -> None:
  """uint8 [T, H, W, 3] -> looping GIF."""
  _write(path, gif_bytes(frames, fps))


def write_png(path: str | os.PathLike, image: np.ndarray) -> None:
  encoded = io.BytesIO()
  Image.fromarray(image).save(encoded, "PNG")
  _write(path, encoded.getvalue())


def write_mp4(path: str | os.PathLike, frames: np.ndarray, fps: int = 8) -> None:
  """uint8 [T, H, W, 3] -> H.264 MP4 (H and W must be even)."""
  import av  # PyAV bundles FFmpeg; only MP4 writing needs it, not training.

  encoded = io.BytesIO()  # Seekable, as the MP4 muxer needs; a bucket's upload stream is not.
  with av.open(encoded, mode="w", format="mp4") as container:
    stream = container.add_stream("libx264", rate=fps)
    stream.height, stream.width = frames.shape[1:3]
    stream.pix_fmt = "yuv420p"
    for frame in frames:
      container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
    container.mux(stream.encode())
  _write(path, encoded.getvalue())
