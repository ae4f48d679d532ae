"""`make test-alone` (benchmarks/tests_alone.py): each test in its own process, failures named."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_test_that_needs_another_ones_leftovers_fails_alone(tmp_path):
  """The second test passes after the first in one process (a module-level list it fills), and
  fails alone: the command reports it, with its exit code, and exits 1."""
  suite = tmp_path / "suite"
  suite.mkdir()
  (suite / "test_order.py").write_text(
    "MADE = []\n\ndef test_makes():\n  MADE.append(1)\n\ndef test_needs():\n  assert MADE\n"
  )
  assert subprocess.run([sys.executable, "-m", "pytest", "-q", str(suite)], capture_output=True).returncode == 0
  out = tmp_path / "alone.md"
  command = [sys.executable, "-m", "benchmarks.tests_alone", "--jobs=2", f"--out={out}", str(suite)]
  result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
  assert result.returncode == 1, result.stdout + result.stderr
  report = out.read_text()
  assert report.startswith("1/2 tests passed alone")
  assert "test_order.py::test_needs` | failed (1)" in report and "test_order.py::test_makes` | passed" in report
  selected = subprocess.run([*command, "-k", "needs"], cwd=REPO, capture_output=True, text=True, timeout=300)
  assert out.read_text().startswith("0/1 tests passed alone"), selected.stdout + selected.stderr
