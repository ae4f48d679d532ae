"""One results row: train a named variant of an experiment, evaluate it, append its row.

    python benchmarks/model/results_row.py --config=experiments/proxy.py --variant=defaults --seed=0 \
        --workdir=workdirs/rows --results=docs/results_rows.md [--steps=N] [--data_dir=data]

Variants are named in `experiments/variants.py`. The run goes to <workdir>/<config>-<variant>-s<seed>
(an interrupted row resumes there) through the `vidgan train` and `vidgan eval` commands as a user
types them; the row (variant, seed, steps, wall time, hardware, every headline figure of the
evaluation) is appended to the markdown table in --results, which is created with its header if
missing. Wall time is that of training, the in-training evaluations included, and of the final
evaluation.
"""

import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

from absl import app, flags

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from experiments.variants import VARIANTS  # noqa: E402
from vidgan_jax.evaluation.evaluate import Evaluator  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("config", None, "Experiment file, e.g. experiments/proxy.py.")
flags.DEFINE_enum("variant", None, sorted(VARIANTS), "Variant name (experiments/variants.py).")
flags.DEFINE_integer("seed", 0, "Training seed (config.seed).", lower_bound=0)
flags.DEFINE_integer("steps", None, "Training steps (default: the config's num_train_steps).", lower_bound=1)
flags.DEFINE_string("workdir", "workdirs/rows", "Folder holding one workdir per row.")
flags.DEFINE_string("data_dir", None, "TFDS data_dir (default: the config's).")
flags.DEFINE_string("results", "docs/results_rows.md", "Markdown file the row is appended to.")
flags.DEFINE_string("hardware", None, "Hardware named in the row (default: this machine's CPU count).")
flags.mark_flags_as_required(["config", "variant"])

# (column, name in `Evaluator.headline` after "<group>/"): the headline figures of an evaluation.
FIGURES = [
  ("action seen / held-out", "action_ratio"),
  ("scene seen / held-out", "scene_ratio"),
  ("joint seen / held-out", "joint_ratio"),
  ("diversity ÷ matched real", "diversity_vs_matched"),
  ("diversity ÷ real of the pair", "diversity_vs_real"),
  ("Fréchet clip", "frechet_clip"),
]
HEADER = (
  "| experiment | variant | seed | steps | "
  + " | ".join(c for c, _ in FIGURES)
  + " | wall | hardware | date |\n|"
  + "---|" * (len(FIGURES) + 7)
  + "\n"
)


def vidgan(*args: str) -> None:
  command = [sys.executable, "-m", "vidgan_jax", *args]
  print("+", " ".join(command), flush=True)
  subprocess.run(command, check=True)


def row_cells(report: dict) -> list[str]:
  """Each headline figure as "seen / held-out" (or one value for a dataset with one group)."""
  headline = Evaluator.headline(report)
  cells = []
  for _, name in FIGURES:
    values = [headline.get(f"{group}/{name}") for group in report["groups"]]
    cells.append(" / ".join("n/a" if v is None else f"{v:.2f}" for v in values))
  return cells


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  name = pathlib.Path(FLAGS.config).stem
  workdir = pathlib.Path(FLAGS.workdir) / f"{name}-{FLAGS.variant}-s{FLAGS.seed}"
  overrides = [f"--config.{k}={v}" for k, v in VARIANTS[FLAGS.variant].items()] + [f"--config.seed={FLAGS.seed}"]
  if FLAGS.steps is not None:
    overrides.append(f"--config.num_train_steps={FLAGS.steps}")
  if FLAGS.data_dir is not None:
    overrides.append(f"--config.data_dir={FLAGS.data_dir}")
  start = time.monotonic()
  vidgan("train", f"--config={FLAGS.config}", f"--workdir={workdir}", *overrides)
  report_path = workdir / "row_eval" / "report.json"
  vidgan("eval", f"--workdir={workdir}", f"--out={report_path.parent}")
  wall = time.monotonic() - start
  report = json.loads(report_path.read_text())
  hardware = FLAGS.hardware or f"{platform.machine()} CPU, {os.cpu_count()} cores"
  cells = [name, FLAGS.variant, str(FLAGS.seed), str(report["step"]), *row_cells(report)]
  cells += [f"{wall / 60:.1f} min", hardware, datetime.date.today().isoformat()]
  results = pathlib.Path(FLAGS.results)
  results.parent.mkdir(parents=True, exist_ok=True)
  existing = results.read_text() if results.exists() else ""
  with results.open("a") as f:
    if HEADER.splitlines()[0] not in existing:
      f.write(("\n" if existing else "") + HEADER)
    f.write("| " + " | ".join(cells) + " |\n")
  print(f"row appended to {results}: {' | '.join(cells)}")


if __name__ == "__main__":
  app.run(main)
