"""Small synthetic video files for tests and dummy data, written with PyAV.

`python -m vidgan_jax.datasets.text2video_real.fake_videos` rewrites the builder test's dummy_data/.
"""

import os

import av
import numpy as np


def moving_square_frames(num_frames: int, height: int, width: int, colour=(220, 40, 40)) -> np.ndarray:
  """uint8 [T, H, W, 3]: a square crossing a grey background.

  The top quarter of frame t is grey level `frame_code(t)`, so tests can tell which source frame
  a decoded frame came from.
  """
  frames = np.full((num_frames, height, width, 3), 90, np.uint8)
  side = max(2, height // 4)
  for t in range(num_frames):
    x = int((width - side) * t / max(num_frames - 1, 1))
    frames[t, height // 2 - side // 2 : height // 2 + side // 2, x : x + side] = colour
    frames[t, : height // 4] = frame_code(t)
  return frames


def frame_code(t: int) -> int:
  return 10 + (8 * t) % 240


def write_video(
  path: str, frames: np.ndarray, fps: int, codec: str = "libx264", pix_fmt: str = "yuv420p", rotation: int = 0
) -> None:
  """uint8 [T, H, W, 3] -> a video file (container from the extension; H, W even for yuv420p),
  stored with a counter-clockwise display `rotation` in degrees when it is not 0."""
  with av.open(path, mode="w") as container:
    stream = container.add_stream(codec, rate=fps)
    stream.height, stream.width = frames.shape[1:3]
    stream.pix_fmt = pix_fmt
    if rotation:
      stream.set_display_rotation(rotation)
    if codec == "libx264":
      stream.options = {"crf": "0", "preset": "ultrafast"}  # Lossless: tests can read pixels back.
    for frame in frames:
      container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
    container.mux(stream.encode())


def write_audio_only(path: str, seconds: float = 1.0, rate: int = 16000) -> None:
  """A file with one AAC audio stream and no video."""
  with av.open(path, mode="w") as container:
    stream = container.add_stream("aac", rate=rate)
    samples = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
    for start in range(0, len(samples), 1024):
      chunk = samples[start : start + 1024][None]
      frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
      frame.sample_rate = rate
      container.mux(stream.encode(frame))
    container.mux(stream.encode())


def write_dummy_data(directory: str) -> None:
  """The builder test's manual_dir: three tiny clips (two train, one test) and videos.csv."""
  os.makedirs(directory, exist_ok=True)
  rows = [
    ("golf.mp4", "a man plays golf on the grass", "playing golf", "train"),
    ("sailing.mp4", "someone is sailing at sea", "sailing", "train"),
    ("swimming.mp4", "a woman swims laps in a pool", "swimming", "test"),
  ]
  for i, (path, *_) in enumerate(rows):
    write_video(os.path.join(directory, path), moving_square_frames(12, 16, 16, colour=(40 * i, 200, 60)), fps=8)
  with open(os.path.join(directory, "videos.csv"), "w") as f:
    f.write("path,caption,category,split\n" + "".join(",".join(r) + "\n" for r in rows))


if __name__ == "__main__":
  write_dummy_data(os.path.join(os.path.dirname(__file__), "dummy_data"))
