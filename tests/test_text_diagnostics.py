"""The text side's diagnostics as typed: `benchmarks/model/caption_factors.py` (a trained run's factor
bottleneck reading the evaluation prompts) and `benchmarks/model/text_readouts.py` (the readouts
trained on captions alone)."""

import re


def test_the_table_gives_each_factor_of_each_group_for_a_trained_run(tiny_data_dir, stage_factors_run, python_in_repo):
  workdir = stage_factors_run
  result = python_in_repo("benchmarks/model/caption_factors.py", str(workdir), f"--data_dir={tiny_data_dir}")
  assert result.returncode == 0, result.stderr[-3000:]
  header, rule, row = result.stdout.strip().splitlines()
  assert header == "| run | step | seen | unseen |" and rule == "|---|---|---|---|"
  cells = [c.strip() for c in row.strip("|").split("|")]
  assert cells[:2] == [str(workdir), "2"]
  for cell in cells[2:]:
    match = re.fullmatch(r"action (\d\.\d\d), scene (\d\.\d\d)", cell)
    assert match and all(0 <= float(v) <= 1 for v in match.groups()), cell


def test_no_workdir_is_a_usage_error(python_in_repo):
  result = python_in_repo("benchmarks/model/caption_factors.py")
  assert result.returncode == 1 and "name at least one workdir" in result.stderr


def test_the_readouts_are_trained_on_captions_and_read_held_out_ones(tiny_data_dir, python_in_repo):
  result = python_in_repo(
    "benchmarks/model/text_readouts.py", "--config=experiments/tiny.py", "--variant=stage_factors",
    f"--data_dir={tiny_data_dir}", "--steps=100", "--seeds=1",
  )  # fmt: skip
  assert result.returncode == 0, result.stderr[-3000:]
  lines = result.stdout.strip().splitlines()
  assert lines[0] == "| readout | seed | cross-entropy, first 100 steps | held-out action | held-out scene |"
  rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
  assert [row[:2] for row in rows] == [["sentence", "0"], ["words", "0"]]
  for row in rows:
    assert float(row[2]) > 0 and all(0 <= float(v) <= 1 for v in row[3:]), row


def test_the_readouts_need_a_variant_with_the_bottleneck(python_in_repo):
  result = python_in_repo("benchmarks/model/text_readouts.py", "--variant=hard_mismatch")
  assert result.returncode == 1 and "variant 'hard_mismatch' has no factor bottleneck" in result.stderr
