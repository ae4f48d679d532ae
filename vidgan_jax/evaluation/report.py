"""An evaluation report as a markdown table and a grid GIF of generated clips."""

import numpy as np

from vidgan_jax import video_io
from vidgan_jax.evaluation.evaluate import GeneratedSet

# The composition targets, for datasets with seen and unseen groups (action_scenes): generated/real
# accuracy ratios and the unseen/seen Fréchet ratio.
TARGETS = {"seen_ratio": 0.95, "unseen_ratio": 0.9, "frechet_unseen_over_seen": 1.5}


def _num(x, digits: int = 2) -> str:
  return "n/a" if x is None else f"{x:.{digits}f}"


def _composition_targets(groups: dict) -> tuple[str, str]:
  """The target cells of the accuracy-ratio and Fréchet rows ("" where there is no composition test)."""
  if not {"seen", "unseen"} <= set(groups):
    return "", ""
  seen, unseen = groups["seen"]["frechet_clip"], groups["unseen"]["frechet_clip"]
  ratio = unseen / seen if seen else None
  return (
    f"seen ≥ {TARGETS['seen_ratio']}, unseen ≥ {TARGETS['unseen_ratio']}",
    f"unseen ≤ {TARGETS['frechet_unseen_over_seen']}× seen (now {_num(ratio)}×)",
  )


def markdown(report: dict) -> str:
  """One column per group; then the accuracy of the generated clips per prompt set."""
  groups = report["groups"]
  joint = report["joint_heads"] + (["joint"] if len(report["joint_heads"]) > 1 else [])
  others = [h for h in report["heads"] if h not in report["joint_heads"]]
  ratio_target, frechet_target = _composition_targets(groups)

  def heads(key, names):
    return lambda g: " / ".join(_num(g[key][n]) for n in names)

  rows = [
    ("clips: generated / real", lambda g: f"{g['clips']} / {g['real_clips']}", ""),
    (f"real-clip ceiling: {' / '.join(joint)}", heads("ceiling", joint), ""),
    (f"generated: {' / '.join(joint)}", heads("accuracy", joint), ""),
    (f"ratio to ceiling: {' / '.join(joint)}", heads("ratio", joint), ratio_target),
  ]
  if others:
    rows += [
      (f"generated: {' / '.join(others)} (prompts naming them)", heads("accuracy", others), ""),
      (f"real: {' / '.join(others)}", heads("ceiling", others), ""),
    ]
  rows += [
    (
      "Fréchet distance: clip / frame features",
      lambda g: f"{_num(g['frechet_clip'])} / {_num(g['frechet_frame'])}",
      frechet_target,
    ),
    ("KID: clip / frame features", lambda g: f"{_num(g['kid_clip'], 3)} / {_num(g['kid_frame'], 3)}", ""),
    (
      "diversity within a prompt: generated / real clips of the set",
      lambda g: f"{_num(g['diversity'])} / {_num(g['diversity_real'])}",
      "",
    ),
    (
      "diversity within a prompt: generated / real clips sharing every label it names",
      lambda g: f"{_num(g['diversity'])} / {_num(g.get('diversity_real_matched'))}",
      "≥ 0.5× the second (the fair reference)",
    ),
    (
      "frame-to-frame change: generated / real",
      lambda g: f"{_num(g['temporal_change'], 3)} / {_num(g['temporal_change_real'], 3)}",
      "",
    ),
  ]
  names = list(groups)
  lines = [f"| metric | {' | '.join(names)} | target |", "|---" * (len(names) + 2) + "|"]
  lines += [f"| {label} | {' | '.join(cell(groups[n]) for n in names)} | {target} |" for label, cell, target in rows]
  lines += ["", f"| prompt set | group | {' | '.join(joint)} |", "|---" * (len(joint) + 2) + "|"]
  lines += [
    f"| {name} | {acc['group']} | {' | '.join(_num(acc[h]) for h in joint)} |"
    for name, acc in report["per_set"].items()
  ]
  return "\n".join(lines) + "\n"


def write_grid(path: str, generated: dict[str, list[GeneratedSet]], fps: int) -> None:
  """One row per prompt set, group by group (rows after the first group marked red on the left:
  action_scenes' unseen pairs), kept clips as columns."""
  groups = list(generated)
  results = [r for g in groups for r in generated[g]]
  videos = video_io.to_uint8(np.stack([r.videos for r in results]))
  marked = [r.group != groups[0] for r in results]
  scale = max(1, 64 // videos.shape[-2])
  video_io.write_gif(path, video_io.upscale(video_io.grid(videos, marked_rows=marked), scale), fps)
