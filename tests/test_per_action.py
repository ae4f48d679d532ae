"""`python -m benchmarks.model.per_action` as typed: per action, the classifier's ceiling on real
clips, the generated clips' accuracy and what they are called instead, and the GIF."""

import re

from PIL import Image

from experiments import tiny

ACTIONS = 10  # action_scenes' actions (the tiny build has them all).


def test_every_action_gets_a_row_and_the_grid_a_real_and_generated_clips(
  tmp_path, tiny_data_dir, stage_factors_run, python_in_repo
):
  grid = tmp_path / "per_action.gif"
  result = python_in_repo(
    "-m", "benchmarks.model.per_action", f"--workdir={stage_factors_run}", f"--data_dir={tiny_data_dir}",
    "--num_per_pair=4", f"--grid={grid}",
  )  # fmt: skip
  assert result.returncode == 0, result.stderr[-3000:]
  lines = result.stdout.strip().splitlines()
  assert lines[0] == f"{stage_factors_run / 'checkpoints' / '2'}, step 2, 4 clips per prompt set"
  header = "| action | real (seen) | real (unseen) | generated (seen) | generated (unseen) | called instead (seen) |"
  assert lines[2].startswith(header)
  rows = [line for line in lines[4:] if line.startswith("| ")]
  assert len(rows) == ACTIONS
  for row in rows:
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert all(c == "-" or 0 <= float(c) <= 1 for c in cells[1:3]), cells
    assert all(c == "-" or re.fullmatch(r"\d\.\d\d \(\d+\)", c) for c in cells[3:5]), cells
  config = tiny.get_config()
  with Image.open(grid) as gif:  # Per action a row: a real clip and 3 generated ones, 2x upscaled.
    assert gif.n_frames == config.frames and gif.size[0] == 2 * (4 * (config.size + 2) - 2)


def test_a_missing_workdir_is_one_line(tmp_path, python_in_repo):
  result = python_in_repo("-m", "benchmarks.model.per_action", f"--workdir={tmp_path / 'none'}")
  assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
  assert str(tmp_path / "none") in result.stderr
