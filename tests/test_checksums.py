"""Checkpoints verified on every read (vidgan_jax/checksums.py): a flipped bit in array data or in
metadata, a truncated file, each named; the damaged checkpoint set aside and the one before it used."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from vidgan_jax import checkpoints, checksums, inference, train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _copy(run, tmp_path):
  return shutil.copytree(run[0], tmp_path / "run")


def _largest_array_file(step_dir):
  """The biggest of the state's array data files (state/ocdbt.process_0/d/<hash>)."""
  return max((p for p in (step_dir / "state").rglob("d/*") if p.is_file()), key=lambda p: p.stat().st_size)


def _flip_bit(path, offset):
  data = bytearray(path.read_bytes())
  data[offset % len(data)] ^= 1 << (offset % 8)
  path.write_bytes(bytes(data))


def test_every_checkpoint_records_the_checksums_of_its_files(four_step_run):
  step_dir = four_step_run[0] / "checkpoints" / "4"
  recorded = json.loads((step_dir / checksums.CHECKSUM_FILE).read_text())["sha256"]
  assert {name.split("/")[0] for name in recorded} == {"state", "meta", "input"}
  assert checksums.verify(step_dir) == len(recorded) and checksums.verify(four_step_run[0] / "checkpoints" / "2") > 0


@pytest.mark.parametrize("where", ["array data", "array metadata", "json metadata", "truncated"])
def test_damage_is_named(four_step_run, tmp_path, where):
  step_dir = _copy(four_step_run, tmp_path) / "checkpoints" / "4"
  if where == "array data":
    _flip_bit(_largest_array_file(step_dir), 12_345)
  elif where == "array metadata":
    _flip_bit(step_dir / "state" / "_METADATA", 40)
  elif where == "json metadata":
    _flip_bit(step_dir / "meta" / "metadata", 7)
  else:
    path = _largest_array_file(step_dir)
    path.write_bytes(path.read_bytes()[:-100])
  with pytest.raises(checksums.DamagedCheckpoint, match="differs from its checksum"):
    checksums.verify(step_dir)


def test_a_damaged_checkpoint_is_set_aside_and_the_one_before_it_read(four_step_run, tmp_path):
  workdir = _copy(four_step_run, tmp_path)
  _flip_bit(_largest_array_file(workdir / "checkpoints" / "4"), 999)
  step_dir, model = checkpoints.read_newest(str(workdir), inference.load_generator)
  assert step_dir.name == "2" and model.step == 2
  assert (workdir / "checkpoints" / "broken_step_4").is_dir() and not (workdir / "checkpoints" / "4").exists()


def test_a_run_resumes_from_the_newest_good_checkpoint(four_step_run, tmp_path):
  workdir = _copy(four_step_run, tmp_path)
  _flip_bit(_largest_array_file(workdir / "checkpoints" / "4"), 4321)
  config = four_step_run[1].copy_and_resolve_references()
  config.num_train_steps = 6
  state = train.train_and_evaluate(config, str(workdir))
  assert int(state.step) == 6 and (workdir / "checkpoints" / "broken_step_4").is_dir()
  assert checksums.verify(workdir / "checkpoints" / "6") > 0


def test_commands_name_damage_in_one_line_when_no_good_checkpoint_is_left(four_step_run, tmp_path):
  workdir = _copy(four_step_run, tmp_path)
  for step in ("2", "4"):
    _flip_bit(_largest_array_file(workdir / "checkpoints" / step), 77)
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [vidgan, "sample", f"--workdir={workdir}", "--prompt=a man plays golf on the grass", f"--out={tmp_path}/s"]
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
  errors = [line for line in result.stderr.splitlines() if line.startswith("vidgan sample:")]
  assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
  assert len(errors) == 1 and "no other checkpoint is left" in errors[0]


def test_inspect_verify_reports_without_moving_anything(four_step_run, tmp_path):
  workdir = _copy(four_step_run, tmp_path)
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  clean = subprocess.run([vidgan, "inspect", str(workdir), "--verify"], env=env, capture_output=True, text=True)
  assert clean.returncode == 0 and "files match their checksums" in clean.stdout, clean.stderr[-2000:]
  _flip_bit(_largest_array_file(workdir / "checkpoints" / "4"), 5)
  damaged = subprocess.run([vidgan, "inspect", str(workdir), "--verify"], env=env, capture_output=True, text=True)
  assert damaged.returncode == 2 and "differs from its checksum" in damaged.stderr
  assert (workdir / "checkpoints" / "4").is_dir()


def test_the_cost_benchmark_as_typed(four_step_run):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [sys.executable, "-m", "benchmarks.reliability.checksum_cost", str(four_step_run[0]), "--repeats=1"]
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0 and "checksums.json" not in result.stdout, result.stderr[-2000:]
  assert "files," in result.stdout and "the check adds" in result.stdout
