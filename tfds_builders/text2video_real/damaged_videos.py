"""A generated manual_dir of damaged and odd video files mixed with good ones, and what a build
must do with each: keep it, or skip it under one of the named reasons.

    python -m vidgan_jax.datasets.text2video_real.damaged_videos DIR [--copies=N] [--seed=S]

writes the set and its videos.csv (all rows in the train split, category "jogging"). One copy
holds one file of every kind (the tests build it); the default, `--copies=3`, gives 69 damaged
and 24 good files (`make chaos` builds that). The good files are 4 s of 32x48 video at 16 fps, so the `32px`
config's 1 s window lies in their middle.
"""

import argparse
import dataclasses
import fractions
import os

import av
import numpy as np

from vidgan_jax.datasets.text2video_real import decode
from vidgan_jax.datasets.text2video_real.fake_videos import moving_square_frames, write_audio_only, write_video

FPS = 16
SECONDS = 4
HEIGHT, WIDTH = 32, 48
CATEGORY = "jogging"
FULL_SET_COPIES = 3  # 69 damaged files and 24 good ones.


@dataclasses.dataclass(frozen=True)
class Case:
  """A file of the set; `reasons` are the skip reasons it may get, () for a clip that must be kept."""

  path: str
  kind: str
  reasons: tuple[str, ...]

  @property
  def good(self) -> bool:
    return not self.reasons


def _good_frames(seed: int) -> np.ndarray:
  colour = tuple(int(c) for c in np.random.default_rng(seed).integers(0, 256, 3))
  return moving_square_frames(FPS * SECONDS, HEIGHT, WIDTH, colour=colour)


def _write_variable_rate(path: str, frames: np.ndarray, rng: np.random.Generator) -> None:
  """Frames 40 to 90 ms apart at random (a phone's variable frame rate)."""
  with av.open(path, mode="w") as container:
    stream = container.add_stream("libx264", rate=FPS)
    stream.height, stream.width = frames.shape[1:3]
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = stream.time_base = fractions.Fraction(1, 1000)
    pts = np.cumsum(rng.integers(40, 91, len(frames))) - 40
    for t, frame in zip(pts, frames):
      video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
      video_frame.pts = int(t)
      container.mux(stream.encode(video_frame))
    container.mux(stream.encode())


def _write_no_frames(path: str) -> None:
  """A container with a video stream and not one frame in it."""
  with av.open(path, mode="w") as container:
    stream = container.add_stream("libx264", rate=FPS)
    stream.height, stream.width = HEIGHT, WIDTH
    stream.pix_fmt = "yuv420p"
    container.start_encoding()


def _write_truncated(path: str, frames: np.ndarray, rng: np.random.Generator) -> None:
  """A good video cut at a random offset before the middle window's data."""
  write_video(path, frames, FPS)
  with open(path, "rb") as f:
    data = f.read()
  with open(path, "wb") as f:
    f.write(data[: int(rng.integers(64, int(0.35 * len(data))))])


def _write_bytes(path: str, data: bytes) -> None:
  with open(path, "wb") as f:
    f.write(data)


def _write_symlink_loop(path: str) -> None:
  partner = path + ".loop.mp4"
  os.symlink(os.path.basename(partner), path)
  os.symlink(os.path.basename(path), partner)


def _write_unreadable(path: str, rng: np.random.Generator) -> None:
  """No read permission (root reads it anyway, hence random bytes inside as well)."""
  _write_bytes(path, rng.bytes(3000))
  os.chmod(path, 0)


# kind -> (file extension, the reasons it may be skipped under, writer(path, rng, seed)).
KINDS = {
  "good": (".mp4", (), lambda p, rng, s: write_video(p, _good_frames(s), FPS)),
  "good_mkv": (".mkv", (), lambda p, rng, s: write_video(p, _good_frames(s), FPS)),
  "yuv444p": (".mp4", (), lambda p, rng, s: write_video(p, _good_frames(s), FPS, pix_fmt="yuv444p")),
  "gray": (".mkv", (), lambda p, rng, s: write_video(p, _good_frames(s), FPS, codec="ffv1", pix_fmt="gray")),
  "yuv420p10le": (
    ".mkv",
    (),
    lambda p, rng, s: write_video(p, _good_frames(s), FPS, codec="ffv1", pix_fmt="yuv420p10le"),
  ),
  "rgb24_png": (".mov", (), lambda p, rng, s: write_video(p, _good_frames(s), FPS, codec="png", pix_fmt="rgb24")),
  "variable_frame_rate": (".mp4", (), lambda p, rng, s: _write_variable_rate(p, _good_frames(s), rng)),
  "rotated": (".mp4", (), lambda p, rng, s: write_video(p, _good_frames(s), FPS, rotation=-90)),
  "truncated": (
    ".mkv",
    (decode.TRUNCATED, decode.UNREADABLE, decode.NO_FRAMES),
    lambda p, rng, s: _write_truncated(p, _good_frames(s), rng),
  ),
  "truncated_mp4": (
    ".mp4",
    (decode.TRUNCATED, decode.UNREADABLE, decode.NO_FRAMES),
    lambda p, rng, s: _write_truncated(p, _good_frames(s), rng),
  ),
  "random_bytes": (".mp4", (decode.UNREADABLE,), lambda p, rng, s: _write_bytes(p, rng.bytes(5000))),
  "random_bytes_webm": (".webm", (decode.UNREADABLE,), lambda p, rng, s: _write_bytes(p, rng.bytes(5000))),
  "zero_length": (".mp4", (decode.ZERO_LENGTH,), lambda p, rng, s: _write_bytes(p, b"")),
  "no_frames": (".avi", (decode.NO_FRAMES,), lambda p, rng, s: _write_no_frames(p)),
  "one_frame": (".mp4", (decode.TOO_SHORT,), lambda p, rng, s: write_video(p, _good_frames(s)[:1], FPS)),
  "huge": (
    ".mp4",
    (decode.TOO_LARGE,),
    lambda p, rng, s: write_video(p, moving_square_frames(FPS * SECONDS, 16, decode.MAX_SIDE + 16), FPS),
  ),
  "audio_only": (".mp4", (decode.NO_VIDEO_STREAM,), lambda p, rng, s: write_audio_only(p)),
  "symlink_loop": (".mp4", (decode.BROKEN_LINK,), lambda p, rng, s: _write_symlink_loop(p)),
  "dangling_link": (".mp4", (decode.BROKEN_LINK,), lambda p, rng, s: os.symlink("nowhere.mp4", p)),
  "unreadable": (".mp4", (decode.UNREADABLE,), lambda p, rng, s: _write_unreadable(p, rng)),
  "directory": (".mp4", (decode.NOT_A_FILE,), lambda p, rng, s: os.mkdir(p)),
  "named_pipe": (".mp4", (decode.NOT_A_FILE,), lambda p, rng, s: os.mkfifo(p)),
  "text_file": (".txt", (decode.WRONG_EXTENSION,), lambda p, rng, s: _write_bytes(p, b"not a video")),
}
# Kinds whose every copy differs (random offsets and bytes): more copies of them in a bigger set.
RANDOM_KINDS = ("truncated", "truncated_mp4", "random_bytes", "random_bytes_webm")


def unexpected_outcomes(cases: list[Case], skipped: dict[str, str]) -> list[tuple[str, str]]:
  """(path, outcome) of each case a build treated otherwise than it must; `skipped` maps the
  skipped paths to their reasons (build_report.json), every other path was kept."""
  return [
    (c.path, skipped.get(c.path, "kept"))
    for c in cases
    if ((c.path in skipped) if c.good else (skipped.get(c.path) not in c.reasons))
  ]


def write_set(directory: str, copies: int = 1, seed: int = 0) -> list[Case]:
  """Writes the files and videos.csv into `directory` (created); returns what each must give.

  Each kind appears `copies` times, the randomly damaged kinds 3 x `copies` times.
  """
  os.makedirs(directory, exist_ok=True)
  rng = np.random.default_rng(seed)
  cases = []
  for kind, (extension, reasons, write) in KINDS.items():
    for i in range(copies * (3 if kind in RANDOM_KINDS else 1)):
      path = f"{kind}_{i}{extension}"
      write(os.path.join(directory, path), rng, seed + len(cases))
      cases.append(Case(path, kind, reasons))
  with open(os.path.join(directory, "videos.csv"), "w") as f:
    f.write("path,caption,category,split\n")
    f.write("".join(f"{c.path},a video of the kind {c.kind.replace('_', ' ')},{CATEGORY},train\n" for c in cases))
  return cases


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("directory")
  parser.add_argument("--copies", type=int, default=FULL_SET_COPIES)
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  cases = write_set(args.directory, args.copies, args.seed)
  print(
    f"wrote {sum(not c.good for c in cases)} damaged and {sum(c.good for c in cases)} good files "
    f"with videos.csv to {args.directory}"
  )


if __name__ == "__main__":
  main()
