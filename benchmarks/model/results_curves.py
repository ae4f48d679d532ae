"""The learning curves of results rows: the in-training evaluations of every run under a folder,
read from its TensorBoard events, as one markdown table (a row per run and evaluated step).

    python benchmarks/model/results_curves.py --rows=workdirs/rows [--figures=seen/action_ratio,...]

Runs are the folders `benchmarks/model/results_row.py` made (<config>-<variant>-s<seed>); a run without
in-training evaluations (`config.eval_every_steps=0`) is left out.
"""

import argparse
import pathlib

from tensorboard.backend.event_processing import event_accumulator

DEFAULT_FIGURES = (
  "seen/action_ratio",
  "unseen/action_ratio",
  "unseen/scene_ratio",
  "seen/diversity_vs_matched",
  "unseen/frechet_clip",
)


def curves(run: pathlib.Path, figures: tuple[str, ...]) -> dict[int, dict[str, float]]:
  """{step: {figure: value}} of one run's `eval/` scalars."""
  events = event_accumulator.EventAccumulator(str(run / "tensorboard"), size_guidance={"scalars": 0})
  events.Reload()
  tags = set(events.Tags().get("scalars", ()))
  by_step: dict[int, dict[str, float]] = {}
  for figure in figures:
    if f"eval/{figure}" in tags:
      for event in events.Scalars(f"eval/{figure}"):
        by_step.setdefault(event.step, {})[figure] = event.value
  return by_step


def table(rows: pathlib.Path, figures: tuple[str, ...]) -> str:
  lines = ["| run | step | " + " | ".join(figures) + " |", "|---|---|" + "---|" * len(figures)]
  for run in sorted(p for p in rows.iterdir() if (p / "tensorboard").is_dir()):
    for step, values in sorted(curves(run, figures).items()):
      cells = [f"{values[f]:.2f}" if f in values else "n/a" for f in figures]
      lines.append(f"| {run.name} | {step} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--rows", default="workdirs/rows", help="Folder holding one workdir per results row.")
  parser.add_argument("--figures", default=",".join(DEFAULT_FIGURES), help="Comma-separated eval/ scalars.")
  args = parser.parse_args()
  rows = pathlib.Path(args.rows)
  if not rows.is_dir():
    parser.error(f"--rows={rows}: no such folder (results_row.py writes one workdir per row there)")
  print(table(rows, tuple(args.figures.split(","))))


if __name__ == "__main__":
  main()
