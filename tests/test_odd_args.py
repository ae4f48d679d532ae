"""Ordinary mistakes (benchmarks/reliability/odd_args.py) on every `vidgan` command, as typed: a non-zero exit
and one line naming the problem, no traceback; VIDGAN_DEBUG=1 shows the traceback instead."""

import os
import subprocess

import pytest

from benchmarks.reliability.odd_args import ODD_ARGS, REPO, VIDGAN, run_case, scratch
from vidgan_jax.cli import COMMANDS


@pytest.fixture(scope="module")
def names(tmp_path_factory) -> dict:
  return scratch(str(tmp_path_factory.mktemp("odd_args")))


@pytest.mark.fast
def test_the_set_covers_every_command():
  assert set(COMMANDS) <= {case.args[0] for case in ODD_ARGS}
  assert len({case.name for case in ODD_ARGS}) == len(ODD_ARGS)


@pytest.mark.parametrize("case", ODD_ARGS, ids=[case.name for case in ODD_ARGS])
def test_an_ordinary_mistake_is_one_line(case, names):
  ok, stderr, _ = run_case(case, names)
  assert ok, stderr[-3000:]


def test_vidgan_debug_shows_the_traceback(names):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"} | {"VIDGAN_DEBUG": "1"}
  command = [VIDGAN, "sample", f"--workdir={names['missing']}", "--prompt=golf", f"--out={names['missing']}"]
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
  assert result.returncode != 0 and "Traceback" in result.stderr and "does not exist" in result.stderr
