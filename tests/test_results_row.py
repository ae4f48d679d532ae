"""`benchmarks/model/results_row.py` as typed: trains a named variant, evaluates it, appends its row."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


def _row_command(tmp_path, data_dir):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [
    sys.executable,
    "benchmarks/model/results_row.py",
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
    [sys.executable, "benchmarks/model/results_row.py", "--config=experiments/tiny.py", "--variant=nonesuch"],
    cwd=REPO,
    env=env,
    capture_output=True,
    text=True,
    timeout=120,
  )
  assert result.returncode != 0
  assert "nonesuch" in result.stderr and "defaults" in result.stderr


@pytest.mark.fast
def test_curves_table_the_in_training_evaluations_of_each_run(tmp_path):
  """`benchmarks/model/results_curves.py` as typed, on two runs' TensorBoard events written as training
  writes them, and a run with none (left out)."""
  from vidgan_jax import summaries

  for run, values in {"proxy-defaults-s0": (0.25, 0.5), "proxy-hard_mismatch-s0": (0.5, 0.75)}.items():
    writer = summaries.create_default_writer(str(tmp_path / "rows" / run / "tensorboard"), enabled=True)
    for step, value in zip((500, 1000), values):
      writer.write_scalars(step, {"eval/seen/action_ratio": value, "eval/unseen/action_ratio": value / 5})
    writer.close()
  (tmp_path / "rows" / "proxy-previous-s0" / "tensorboard").mkdir(parents=True)
  result = subprocess.run(
    [
      sys.executable,
      "benchmarks/model/results_curves.py",
      f"--rows={tmp_path / 'rows'}",
      "--figures=seen/action_ratio,unseen/action_ratio",
    ],
    cwd=REPO,
    capture_output=True,
    text=True,
    timeout=300,
  )
  assert result.returncode == 0, result.stderr
  assert result.stdout.splitlines()[2:] == [
    "| proxy-defaults-s0 | 500 | 0.25 | 0.05 |",
    "| proxy-defaults-s0 | 1000 | 0.50 | 0.10 |",
    "| proxy-hard_mismatch-s0 | 500 | 0.50 | 0.10 |",
    "| proxy-hard_mismatch-s0 | 1000 | 0.75 | 0.15 |",
  ]
