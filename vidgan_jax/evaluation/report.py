"""An evaluation report as a markdown table and a grid GIF of generated clips."""

import numpy as np

from vidgan_jax import video_io
from vidgan_jax.evaluation.evaluate import GeneratedPair

# The composition targets: generated/real accuracy ratios and the unseen/seen Fréchet ratio.
TARGETS = {"seen_ratio": 0.95, "unseen_ratio": 0.9, "frechet_unseen_over_seen": 1.5}


def _num(x, digits: int = 2) -> str:
  return "n/a" if x is None else f"{x:.{digits}f}"


def _triple(d: dict) -> str:
  return " / ".join(_num(d[k]) for k in ("action", "scene", "joint"))


def markdown(report: dict) -> str:
  """The seen-vs-unseen table, then per-pair accuracy of the generated clips."""
  seen, unseen = report["groups"]["seen"], report["groups"]["unseen"]
  frechet_ratio = unseen["frechet_clip"] / seen["frechet_clip"] if seen["frechet_clip"] else None
  rows = [
    ("clips: generated / real", lambda g: f"{g['clips']} / {g['real_clips']}", ""),
    ("real-clip ceiling: action / scene / joint", lambda g: _triple(g["ceiling"]), ""),
    ("generated: action / scene / joint", lambda g: _triple(g["accuracy"]), ""),
    (
      "ratio to ceiling: action / scene / joint",
      lambda g: _triple(g["ratio"]),
      f"seen ≥ {TARGETS['seen_ratio']}, unseen ≥ {TARGETS['unseen_ratio']}",
    ),
    (
      "generated: colour / direction (captions naming them)",
      lambda g: f"{_num(g['accuracy']['colour'])} / {_num(g['accuracy']['direction'])}",
      "",
    ),
    ("real: colour / direction", lambda g: f"{_num(g['ceiling']['colour'])} / {_num(g['ceiling']['direction'])}", ""),
    (
      "Fréchet distance: clip / frame features",
      lambda g: f"{_num(g['frechet_clip'])} / {_num(g['frechet_frame'])}",
      f"unseen ≤ {TARGETS['frechet_unseen_over_seen']}× seen (now {_num(frechet_ratio)}×)",
    ),
    ("KID: clip / frame features", lambda g: f"{_num(g['kid_clip'], 3)} / {_num(g['kid_frame'], 3)}", ""),
    (
      "diversity within a prompt: generated / real",
      lambda g: f"{_num(g['diversity'])} / {_num(g['diversity_real'])}",
      "",
    ),
    (
      "frame-to-frame change: generated / real",
      lambda g: f"{_num(g['temporal_change'], 3)} / {_num(g['temporal_change_real'], 3)}",
      "",
    ),
  ]
  lines = ["| metric | seen pairs | unseen pairs | target |", "|---|---|---|---|"]
  lines += [f"| {label} | {cell(seen)} | {cell(unseen)} | {target} |" for label, cell, target in rows]
  lines += ["", "| pair | group | action | scene | joint |", "|---|---|---|---|---|"]
  lines += [
    f"| {name} | {acc['group']} | {_num(acc['action'])} | {_num(acc['scene'])} | {_num(acc['joint'])} |"
    for name, acc in report["per_pair"].items()
  ]
  return "\n".join(lines) + "\n"


def write_grid(path: str, generated: dict[str, list[GeneratedPair]], fps: int) -> None:
  """One row per pair (seen pairs, then unseen ones marked red on the left), kept clips as columns."""
  results = [r for group in ("seen", "unseen") for r in generated[group]]
  videos = video_io.to_uint8(np.stack([r.videos for r in results]))
  marked = [group == "unseen" for group in ("seen", "unseen") for _ in generated[group]]
  scale = max(1, 64 // videos.shape[-2])
  video_io.write_gif(path, video_io.upscale(video_io.grid(videos, marked_rows=marked), scale), fps)
