"""`make test-alone` (benchmarks/reliability/tests_alone.py): each test in its own process, failures named."""

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER_SUITE = "MADE = []\n\ndef test_makes():\n  MADE.append(1)\n\ndef test_needs():\n  assert MADE\n"


def _suite(folder):
  """A suite whose second test passes after the first in one process (a module-level list it
  fills) and fails alone."""
  folder.mkdir(parents=True)
  (folder / "test_order.py").write_text(ORDER_SUITE)
  return folder


def _tests_alone(repo, suite, out, *args):
  command = [sys.executable, "-m", "benchmarks.reliability.tests_alone", "--jobs=2", f"--out={out}", str(suite), *args]
  return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=300)


def test_a_test_that_needs_another_ones_leftovers_fails_alone(tmp_path):
  """The command reports the test that fails alone, with its exit code, and exits 1."""
  suite = _suite(tmp_path / "suite")
  assert subprocess.run([sys.executable, "-m", "pytest", "-q", str(suite)], capture_output=True).returncode == 0
  out = tmp_path / "alone.md"
  result = _tests_alone(REPO, suite, out)
  assert result.returncode == 1, result.stdout + result.stderr
  report = out.read_text()
  assert report.startswith("1/2 tests passed alone")
  assert "test_order.py::test_needs` | failed (1)" in report and "test_order.py::test_makes` | passed" in report


def test_k_selects_by_test_name_wherever_the_repository_and_the_suite_live(tmp_path):
  """`-k needs` picks test_needs alone, with the repository and the suite each under a folder
  whose name holds "needs" and "makes" (as pytest's temporary folders are named after tests):
  without a rootdir of its own, pytest's -k also matched the folders between the two."""
  repo = tmp_path / "repo_needs_makes" / "clone"
  (repo / "benchmarks" / "reliability").mkdir(parents=True)
  shutil.copy(os.path.join(REPO, "benchmarks", "reliability", "tests_alone.py"), repo / "benchmarks" / "reliability")
  shutil.copy(os.path.join(REPO, "pyproject.toml"), repo)
  suite = _suite(tmp_path / "tmp_needs_makes" / "suite")
  for word, report_start in [("needs", "0/1 tests passed alone"), ("makes", "1/1 tests passed alone")]:
    out = tmp_path / f"{word}.md"
    result = _tests_alone(repo, suite, out, "-k", word)
    assert out.read_text().startswith(report_start), result.stdout + result.stderr
    assert f"test_order.py::test_{word}`" in out.read_text()
