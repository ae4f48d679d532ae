"""`benchmarks/model/stream_actions.py` as typed: the classifier's reading of a layered generator's
clips, background stream and foreground stream, per group of prompts."""

import re

from PIL import Image

from experiments import tiny

SEEN_PAIRS, HELD_OUT_PAIRS = 20, 10  # action_scenes' evaluation groups (the tiny build has them too).


def test_each_stream_of_each_group_is_read_for_a_trained_layered_run(
  tmp_path, tiny_data_dir, stage_factors_run, python_in_repo
):
  workdir = stage_factors_run
  grids = tmp_path / "grids"
  result = python_in_repo(
    "benchmarks/model/stream_actions.py", str(workdir), f"--data_dir={tiny_data_dir}", "--num_per_prompt=2",
    f"--grid_dir={grids}",
  )  # fmt: skip
  assert result.returncode == 0, result.stderr[-3000:]
  header, rule, *rows = result.stdout.strip().splitlines()
  assert header.startswith("| run | step | group | mean alpha | clip: action, scene |")
  assert rule == "|" + "---|" * 7
  assert [row.split("|")[3].strip() for row in rows] == ["seen", "unseen"]
  for row in rows:
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:2] == [str(workdir), "2"]
    assert 0 < float(cells[3]) < 1, cells  # A sigmoid's mean alpha.
    for cell in cells[4:]:
      match = re.fullmatch(r"(\d\.\d\d), (\d\.\d\d)", cell)
      assert match and all(0 <= float(v) <= 1 for v in match.groups()), cell
  config = tiny.get_config()
  for group, sets in (("seen", SEEN_PAIRS), ("unseen", HELD_OUT_PAIRS)):
    with Image.open(grids / f"run-{group}.gif") as gif:  # Four columns, a row per pair, 4x upscaled.
      assert gif.n_frames == config.frames
      assert gif.size == (4 * (4 * (config.size + 2) - 2), 4 * (sets * (config.size + 2) - 2))


def test_no_workdir_is_a_usage_error(python_in_repo):
  result = python_in_repo("benchmarks/model/stream_actions.py")
  assert result.returncode == 1 and "name at least one workdir" in result.stderr
