"""`benchmarks/results_row.py` as typed: trains a named variant, evaluates it, appends its row."""

import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]


def _row_command(tmp_path, data_dir):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [
    sys.executable,
    "benchmarks/results_row.py",
    "--config=experiments/tiny.py",
    "--variant=previous",
    "--seed=1",
    "--steps=2",
    f"--workdir={tmp_path / 'rows'}",
    f"--data_dir={data_dir}",
    f"--results={tmp_path / 'results.md'}",
    "--hardware=test CPU",
  ]
  return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_a_row_trains_the_variant_evaluates_and_appends(tmp_path, tiny_data_dir):
  for _ in range(2):  # The second run resumes the finished workdir: a rerun adds a row, not a header.
    result = _row_command(tmp_path, tiny_data_dir)
    assert result.returncode == 0, result.stderr[-3000:]
  lines = (tmp_path / "results.md").read_text().splitlines()
  assert sum(line.startswith("| experiment | variant |") for line in lines) == 1
  rows = [line for line in lines if line.startswith("| tiny | previous | 1 | 2 |")]
  assert len(rows) == 2, lines
  cells = [c.strip() for c in rows[0].strip("|").split("|")]
  assert len(cells) == len(lines[0].strip("|").split("|"))
  assert cells[-2] == "test CPU" and cells[-3].endswith(" min")
  # The action ratio, seen / held-out pairs (on the tiny build's few real clips it can pass 1).
  seen, held_out = (float(v) for v in cells[4].split(" / "))
  assert seen >= 0.0 and held_out >= 0.0
  config = json.loads((tmp_path / "rows" / "tiny-previous-s1" / "config.json").read_text())
  assert config["seed"] == 1 and config["model"]["motion_code"] == "vector"
  assert config["model"]["clip_encoder"] is False


def test_an_unknown_variant_is_refused_by_name(tmp_path):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  result = subprocess.run(
    [sys.executable, "benchmarks/results_row.py", "--config=experiments/tiny.py", "--variant=nonesuch"],
    cwd=REPO,
    env=env,
    capture_output=True,
    text=True,
    timeout=120,
  )
  assert result.returncode != 0
  assert "nonesuch" in result.stderr and "defaults" in result.stderr
