"""Runs every test of the suite alone, each in its own `pytest path::name` process.

    python -m benchmarks.reliability.tests_alone [--jobs=2] [--out=workdirs/tests_alone.md]
        [-k EXPR] [-m MARKER] [paths...]

A test that passes only after another one made something it needs (a step, a file, a cache)
fails here. Collects the test ids with `pytest --collect-only`, runs them `--jobs` at a time, and
writes a table of each id's outcome and seconds to `--out` (failures first). Exits 1 if any failed.
"""

import argparse
import concurrent.futures
import contextlib
import os
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _Collector:
  """A pytest plugin keeping each collected test's id, its file relative to the repository."""

  def __init__(self):
    self.ids: list[str] = []

  def pytest_collection_finish(self, session) -> None:  # After -k and -m deselected theirs.
    self.ids = [f"{os.path.relpath(item.path, REPO)}::{item.nodeid.split('::', 1)[1]}" for item in session.items]


def selection_root(paths: list[str]) -> str:
  """The folder holding every path given (a file's own folder; a node id's file).

  Collecting with it as pytest's rootdir keeps the folders above the paths, whose names depend on
  where the clone or a temporary folder lives, out of the names that `-k` matches.
  """
  folders = []
  for path in paths:
    path = os.path.abspath(path.split("::", 1)[0])
    folders.append(path if os.path.isdir(path) else os.path.dirname(path))
  return os.path.commonpath(folders)


def collect(paths: list[str], keyword: str | None, marker: str | None) -> list[str]:
  """The ids of the tests under `paths`, runnable from the repository whatever pytest's rootdir."""
  args = ["--collect-only", "-q", "-p", "no:cacheprovider", f"--rootdir={selection_root(paths)}", *paths]
  args += (["-k", keyword] if keyword else []) + (["-m", marker] if marker else [])
  collector = _Collector()
  with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
    code = pytest.main(args, plugins=[collector])
  if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
    raise SystemExit(f"collecting the tests failed (pytest exit code {int(code)}): run pytest --collect-only {paths}")
  return collector.ids


def run_alone(test_id: str) -> tuple[str, int, float, str]:
  """(id, pytest's exit code, seconds, the end of its output)."""
  start = time.time()
  result = subprocess.run(
    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_id], cwd=REPO, capture_output=True, text=True
  )
  return test_id, result.returncode, time.time() - start, (result.stdout + result.stderr)[-1500:]


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("paths", nargs="*", default=["tests"])
  parser.add_argument("--jobs", type=int, default=2)
  parser.add_argument(
    "-k",
    dest="keyword",
    default=None,
    help="pytest's -k expression, to run a subset: it matches the names of the tests and of the files and "
    "folders below the given paths, never those of the folders above them",
  )
  parser.add_argument("-m", dest="marker", default=None, help="pytest's -m expression, e.g. fast")
  parser.add_argument("--out", default=os.path.join(REPO, "workdirs", "tests_alone.md"))
  args = parser.parse_args()
  ids = collect(args.paths, args.keyword, args.marker)
  print(f"{len(ids)} tests, each alone, {args.jobs} at a time", flush=True)
  results = []
  with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
    for test_id, code, seconds, tail in pool.map(run_alone, ids):
      results.append((test_id, code, seconds, tail))
      print(f"{'passed' if code == 0 else f'FAILED ({code})'} {seconds:6.1f} s  {test_id}", flush=True)
  failed = [r for r in results if r[1] != 0]
  rows = ["| test | outcome | seconds |", "|---|---|---|"]
  passed = [r for r in results if r[1] == 0]
  rows += [f"| `{t}` | {'passed' if c == 0 else f'failed ({c})'} | {s:.1f} |" for t, c, s, _ in failed + passed]
  os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
  with open(args.out, "w") as f:
    f.write(f"{len(passed)}/{len(results)} tests passed alone\n\n" + "\n".join(rows) + "\n")
    for test_id, _, _, tail in failed:
      f.write(f"\n## {test_id}\n\n```\n{tail}\n```\n")
  print(f"{len(passed)}/{len(results)} passed alone; table in {args.out}")
  sys.exit(1 if failed else 0)


if __name__ == "__main__":
  main()
