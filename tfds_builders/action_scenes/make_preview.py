"""Writes preview.gif: one row per (action, scene) pair used by the splits, three clips each.

Rows: the 20 training pairs, then the 10 held-out pairs (marked with a red bar on the left).
Run from the repository root: `python -m vidgan_jax.datasets.action_scenes.make_preview`.
"""

import os

import numpy as np
from PIL import Image

from vidgan_jax.datasets.action_scenes import clips, pairs

OUT = os.path.join(os.path.dirname(__file__), "preview.gif")
SPEC = clips.ClipSpec(frames=16, size=32)
COLUMNS = 3
MARK = 4  # Width of the bar marking held-out rows.


def preview_frames() -> np.ndarray:
  """uint8 [T, rows * (H + 1), MARK + COLUMNS * (W + 1), 3]."""
  rows = []
  for held_out, pair_list in ((False, pairs.TRAIN_PAIRS), (True, pairs.HELD_OUT_PAIRS)):
    for action, scene in pair_list:
      cells = []
      for column in range(COLUMNS):
        rng = clips.example_rng("preview", len(rows) * COLUMNS + column, 0)
        video = clips.render_clip(SPEC, action, scene, clips.sample_nuisance(rng), rng)
        cells.append(np.pad(video, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=255))
      mark = np.full((SPEC.frames, SPEC.size + 1, MARK, 3), 255, np.uint8)
      if held_out:
        mark[:, :-1] = (220, 30, 30)
      rows.append(np.concatenate([mark] + cells, axis=2))
  return np.concatenate(rows, axis=1)


def main() -> None:
  frames = preview_frames()
  # One shared palette without dithering keeps the GIF small (dither noise compresses badly).
  palette = Image.fromarray(np.concatenate(list(frames[::4]), axis=0)).quantize(128, dither=Image.Dither.NONE)
  images = [
    Image.fromarray(f)
    .resize((f.shape[1] * 2, f.shape[0] * 2), Image.NEAREST)
    .quantize(palette=palette, dither=Image.Dither.NONE)
    for f in frames
  ]
  images[0].save(OUT, save_all=True, append_images=images[1:], duration=125, loop=0, optimize=True)
  print(f"wrote {OUT} ({os.path.getsize(OUT) / 1e6:.2f} MB)")


if __name__ == "__main__":
  main()
