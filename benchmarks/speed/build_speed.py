"""Clips/s of the text2video_real build: the local worker pool and Beam's DirectRunner, same folder.

    .venv-beam/bin/python -m benchmarks.speed.build_speed [--clips=120] [--workers=2] [--config=64px]

Writes `--clips` synthetic H.264 videos (4 s of 320x240 at 30 fps, a moving square) with a
videos.csv, then times `vidgan build text2video_real` on them twice, each in its own
process and from an empty data_dir: without Beam (one decoding process per core, the config's
default) and with `--beam_pipeline_options=runner=DirectRunner,direct_running_mode=multi_processing,
direct_num_workers=<--workers, default one per core>`. Needs the beam extra (`make beam-test`
makes .venv-beam).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from vidgan_jax.datasets.text2video_real.fake_videos import moving_square_frames, write_video

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_folder(directory: str, clips: int) -> None:
  os.makedirs(directory, exist_ok=True)
  frames = moving_square_frames(120, 240, 320)
  rows = []
  for i in range(clips):
    write_video(os.path.join(directory, f"clip_{i:04d}.mp4"), frames, fps=30)
    rows.append(f"clip_{i:04d}.mp4,a kite surfer rides the waves number {i},kite surfing,train\n")
  with open(os.path.join(directory, "videos.csv"), "w") as f:
    f.write("path,caption,category,split\n" + "".join(rows))


def timed_build(manual_dir: str, data_dir: str, config: str, *extra: str) -> float:
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  start = time.time()
  subprocess.run(
    [
      vidgan,
      "build",
      "text2video_real",
      f"--config={config}",
      f"--manual_dir={manual_dir}",
      f"--data_dir={data_dir}",
      *extra,
    ],
    cwd=REPO,
    check=True,
    capture_output=True,
  )
  return time.time() - start


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--clips", type=int, default=120)
  parser.add_argument("--workers", type=int, default=os.cpu_count())
  parser.add_argument("--config", default="64px")
  args = parser.parse_args()
  root = tempfile.mkdtemp(prefix="build_speed_")
  try:
    manual = os.path.join(root, "videos")
    write_folder(manual, args.clips)
    local = timed_build(manual, os.path.join(root, "local"), args.config)
    beam = timed_build(
      manual,
      os.path.join(root, "beam"),
      args.config,
      "--beam_pipeline_options=runner=DirectRunner,direct_running_mode=multi_processing,"
      f"direct_num_workers={args.workers}",
    )
  finally:
    shutil.rmtree(root)
  print(
    f"{args.clips} clips (4 s of 320x240 H.264 at 30 fps) to text2video_real/{args.config}, "
    f"{os.cpu_count()} cores, {args.workers} Beam workers, the whole `vidgan build` command (start-up "
    "included):"
  )
  print(f"  local pool:   {local:.1f} s, {args.clips / local:.1f} clips/s")
  print(f"  DirectRunner: {beam:.1f} s, {args.clips / beam:.1f} clips/s")


if __name__ == "__main__":
  main()
