"""`vidgan build` killed (SIGKILL) at moments spread over its run, then the same command again:
no killed build is ever opened as complete, and the finished one equals an uninterrupted build
example for example."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from vidgan_jax import input_pipeline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPLITS = ("train", "validation", "test", "test_unseen", "classifier")


def _build_command(data_dir):
  return [sys.executable, "-m", "vidgan_jax", "build", "action_scenes", "--config=tiny", f"--data_dir={data_dir}"]


def _records(data_dir) -> dict:
  builder = input_pipeline.load_builder("action_scenes/tiny", str(data_dir))
  assert builder.is_prepared()
  return {split: list(input_pipeline.open_split(builder, split)) for split in SPLITS}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
  data_dir = tmp_path_factory.mktemp("clean")
  subprocess.run(_build_command(data_dir), cwd=REPO, check=True, capture_output=True, timeout=600)
  return _records(data_dir)


def _assert_equal(records: dict, expected: dict):
  for split in SPLITS:
    assert len(records[split]) == len(expected[split]), split
    for a, b in zip(records[split], expected[split]):
      assert a["caption"] == b["caption"] and a["pair"] == b["pair"]
      np.testing.assert_array_equal(a["video"], b["video"])


@pytest.mark.parametrize("kill_after", [1.0, 2.5, 4.0])
def test_a_killed_build_is_never_complete_and_its_rerun_equals_a_clean_build(uninterrupted, tmp_path, kill_after):
  data_dir = tmp_path / "data"
  process = subprocess.Popen(_build_command(data_dir), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  time.sleep(kill_after)
  process.send_signal(signal.SIGKILL)
  process.wait(timeout=60)
  builder = input_pipeline.load_builder("action_scenes/tiny", str(data_dir))
  if builder.is_prepared():  # The kill came after TFDS's final rename: what looks complete is whole.
    _assert_equal(_records(data_dir), uninterrupted)
  else:  # Stopped part-way: training and TFDS refuse it.
    with pytest.raises(FileNotFoundError, match="is not built"):
      input_pipeline.ensure_built(builder, build_if_missing=False)
  subprocess.run(_build_command(data_dir), cwd=REPO, check=True, capture_output=True, timeout=600)
  _assert_equal(_records(data_dir), uninterrupted)


def _in_a_small_mount_namespace(script: str) -> subprocess.CompletedProcess:
  """Runs `script` with sh in a new mount namespace (its mounts vanish with it); skips the test
  where this machine allows no mount namespace."""
  from benchmarks.reliability.chaos_builds import mount_namespaces_allowed

  if not mount_namespaces_allowed():
    pytest.skip("a full disk is staged on a small tmpfs, which needs a mount namespace (unshare -m)")
  return subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("disk_kib", [300, 1000])
def test_a_full_disk_stops_the_build_in_one_line_and_the_same_command_then_builds_it(uninterrupted, tmp_path, disk_kib):
  """The build's disk is a tmpfs too small for it (full while writing the first split, or a
  later one): one line, nothing left that looks complete; with space made, the same command
  builds a dataset equal to an uninterrupted build."""
  data_dir, out = tmp_path / "data", tmp_path / "out"
  data_dir.mkdir()
  out.mkdir()
  build = " ".join(_build_command(data_dir))
  result = _in_a_small_mount_namespace(
    f"""set -u
    mount -t tmpfs -o size={disk_kib}k tmpfs {data_dir} || exit 90
    {build} 2> {out}/stderr; echo $? > {out}/rc
    find {data_dir} > {out}/left
    mount -o remount,size=64m {data_dir} && {build} > /dev/null 2>&1 || exit 91
    cp -r {data_dir}/. {out}/rebuilt"""
  )
  assert result.returncode == 0, result.stdout + result.stderr
  assert (out / "rc").read_text().strip() == "1"
  last = (out / "stderr").read_text().strip().splitlines()[-1]  # After the progress bar's last redraw.
  message = last[last.find("vidgan build: ") :]
  assert message.startswith("vidgan build: the disk is full (")
  assert "free some space and run the same command again" in message
  assert "Traceback" not in (out / "stderr").read_text()
  left = (out / "left").read_text()
  assert "incomplete" not in left and "dataset_info.json" not in left, left
  _assert_equal(_records(out / "rebuilt"), uninterrupted)


def test_the_build_chaos_command_reports_every_class():
  """`python -m benchmarks.reliability.chaos_builds` (make chaos), one trial per class on
  action_scenes/tiny."""
  import tempfile

  with tempfile.TemporaryDirectory() as root:
    chaos_builds = "benchmarks.reliability.chaos_builds"
    command = [sys.executable, "-m", chaos_builds, "--trials=1", "--datasets=action_scenes/tiny"]
    result = subprocess.run([*command, f"--workdir={root}"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    report = open(os.path.join(root, "chaos_builds.md")).read()
  from benchmarks.reliability.chaos_builds import mount_namespaces_allowed

  for name in ("killed", "damaged") + (("full disk",) if mount_namespaces_allowed() else ()):
    assert f": {name}: 1/1 as expected" in report, report
