"""What happens when things go wrong: a killed run, preemption, broken checkpoints."""

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from unittest import mock

import jax
import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _train_command(workdir, data_dir, steps=8):
  return [
    sys.executable,
    "-c",
    "from vidgan_jax.cli import main; main()",
    "train",
    "--config=experiments/tiny.py",
    f"--workdir={workdir}",
    f"--config.data_dir={data_dir}",
    f"--config.num_train_steps={steps}",
    "--config.checkpoint_every_steps=2",
    "--config.sample_every_steps=1000",
    "--config.log_every_steps=2",
  ]


def _env():
  return {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}  # One CPU device.


def _wait_for(path, process, timeout=300):
  deadline = time.time() + timeout
  while not os.path.exists(path):
    assert process.poll() is None, "training exited before the checkpoint appeared"
    assert time.time() < deadline, f"{path} did not appear"
    time.sleep(0.2)


def test_chaos_three_kills_resume_bit_identical(tiny_data_dir, tmp_path):
  """`python -m benchmarks.reliability.chaos --trials=3` as typed: SIGKILL during an asynchronous checkpoint
  write, SIGKILL during a train step, SIGTERM during sampling; each run restarted and its final
  train state equal, array for array, to a run never stopped (`make chaos` runs 20 trials); and 5
  single-bit flips in copies of its checkpoint, each caught by the checksums."""
  result = subprocess.run(
    [
      sys.executable,
      "-m",
      "benchmarks.reliability.chaos",
      "--trials=3",
      "--bitflips=5",
      f"--data_dir={tiny_data_dir}",
      f"--workdir={tmp_path}",
    ],  # fmt: skip
    cwd=REPO,
    env=_env(),
    capture_output=True,
    text=True,
    timeout=1200,
  )
  assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
  assert "3/3 equal" in result.stdout and "5 caught by its checksums" in result.stdout
  for phase in ("checkpoint write", "train step", "sampling"):
    assert f"| {phase} (" in result.stdout


def _train_in_process(config, workdir, steps, allow_config_change=False):
  from vidgan_jax import train

  config.num_train_steps = steps
  return train.train_and_evaluate(config, workdir, allow_config_change)


def _cut_files_in_half(directory):
  for root, _, files in os.walk(directory):
    for name in files:
      path = os.path.join(root, name)
      with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def test_broken_newest_checkpoint_falls_back_to_the_previous_one(tiny_config, tmp_path, caplog):
  tiny_config.checkpoint_every_steps = 2
  workdir = str(tmp_path)
  _train_in_process(tiny_config, workdir, 4)
  _cut_files_in_half(os.path.join(workdir, "checkpoints", "4", "state"))
  with caplog.at_level("ERROR"):
    state = _train_in_process(tiny_config, workdir, 5)
  assert "checkpoints/4 is unreadable" in caplog.text
  assert int(state.step) == 5  # Resumed from step 2, not from scratch and not from the broken 4.
  assert {"2", "4", "5", "broken_step_4"} <= set(os.listdir(os.path.join(workdir, "checkpoints")))


@pytest.mark.parametrize(
  "change, named",
  [
    ({"model.refine_width": 16}, r"g_params\['refine'\]\['Conv_0'\]\['bias'\]: saved \(32,\)"),
    # A model with fewer parameters than the saved one (orbax would call the tree unreadable).
    ({"model.clip_encoder": False}, r"g_params\['clip_encoder'\]\[.*\]: saved, not in the model"),
  ],
)
def test_checkpoint_of_another_model_is_named_not_skipped(tiny_config, tmp_path, change, named):
  """The config's change is refused by name; resumed anyway (--allow_config_change), the arrays
  that do not fit are named."""
  from vidgan_jax.checkpoints import IncompatibleCheckpoint
  from vidgan_jax.resume import ConfigChangeRefused

  workdir = str(tmp_path)
  _train_in_process(tiny_config.copy_and_resolve_references(), workdir, 3)
  tiny_config.update_from_flattened_dict(change)
  with pytest.raises(ConfigChangeRefused, match=next(iter(change))):
    _train_in_process(tiny_config, workdir, 4)
  with pytest.raises(IncompatibleCheckpoint, match=named):
    _train_in_process(tiny_config, workdir, 4, allow_config_change=True)
  assert "broken_step_3" not in os.listdir(os.path.join(workdir, "checkpoints"))


@pytest.mark.parametrize("policy", ["skip", "stop"])
def test_non_finite_losses_never_reach_the_weights(tiny_config, tmp_path, policy, caplog):
  tiny_config.loss.gamma_l1 = float("inf")  # Every generator loss is infinite (NaN is refused by the config check).
  tiny_config.nonfinite_policy = policy
  tiny_config.checkpoint_every_steps = 100
  workdir = str(tmp_path)
  if policy == "stop":
    with pytest.raises(FloatingPointError, match=r"2 step\(s\) between step 1 and step 2.*intact"):
      _train_in_process(tiny_config, workdir, 6)
    assert not os.listdir(os.path.join(workdir, "checkpoints"))
    return
  with caplog.at_level("WARNING"):
    state = _train_in_process(tiny_config, workdir, 4)
  assert "skipped the update of 2 step(s) between step 1 and step 2" in caplog.text
  assert int(state.step) == 4 and int(state.nonfinite_steps) == 4
  from vidgan_jax import models, train_step

  generator, discriminator = models.build_models(tiny_config, 512)
  fresh = train_step.create_train_state(tiny_config, generator, discriminator)
  for a, b in zip(jax.tree.leaves(fresh.g_params), jax.tree.leaves(state.g_params)):
    np.testing.assert_array_equal(a, b)


def test_inspect_explains_a_broken_checkpoint(tiny_config, tmp_path):
  workdir = str(tmp_path)
  _train_in_process(tiny_config, workdir, 3)
  step_dir = os.path.join(workdir, "checkpoints", "3")
  shutil.rmtree(os.path.join(step_dir, "meta"))
  result = subprocess.run(
    [sys.executable, "-c", "from vidgan_jax.cli import main; main()", "inspect", step_dir],
    cwd=REPO,
    env=_env(),
    capture_output=True,
    text=True,
    timeout=300,
  )
  assert result.returncode != 0
  assert "is unreadable" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_saves_a_checkpoint_and_exits_cleanly(tiny_data_dir, tmp_path):
  workdir = str(tmp_path)
  process = subprocess.Popen(
    _train_command(workdir, tiny_data_dir, steps=10_000),
    cwd=REPO,
    env=_env(),
    stdout=subprocess.DEVNULL,
    stderr=subprocess.PIPE,
    text=True,
  )
  _wait_for(os.path.join(workdir, "checkpoints", "2", "commit_success.txt"), process)
  process.send_signal(signal.SIGTERM)
  _, stderr = process.communicate(timeout=300)
  assert process.returncode == 0, stderr
  match = re.search(r"SIGTERM received: saved a checkpoint at step (\d+) and stopped", stderr)
  assert match, stderr
  steps = [int(d) for d in os.listdir(os.path.join(workdir, "checkpoints")) if d.isdigit()]
  assert max(steps) == int(match.group(1)) >= 2
  # The stop went straight to its checkpoint: no samples of the last step (every 1,000 steps here).
  assert not os.path.exists(os.path.join(workdir, "samples")), os.listdir(os.path.join(workdir, "samples"))


def test_unwritable_workdir_is_a_start_up_error(tiny_config, tmp_path):
  from vidgan_jax import train

  blocked = tmp_path / "file"
  blocked.write_text("a file where the workdir's parent should be")
  with pytest.raises(PermissionError, match="is not writable.*choose another --workdir"):
    train.train_and_evaluate(tiny_config, str(blocked / "workdir"))


def test_a_full_disk_is_named_and_the_previous_checkpoint_resumes(tiny_config, tmp_path, caplog):
  """The step-4 checkpoint's files cannot be written (ENOSPC from every write under checkpoints/4):
  the run stops with an error naming the cause and the intact step 2, which a rerun resumes from."""
  from etils import epath

  from vidgan_jax.checkpoints import CheckpointWriteError

  tiny_config.checkpoint_every_steps = 2
  workdir = str(tmp_path)
  write_text = epath.Path.write_text

  def disk_full_for_step_4(path, *args, **kwargs):
    if os.sep + os.path.join("checkpoints", "4") in os.fspath(path):
      raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(path))
    return write_text(path, *args, **kwargs)

  with mock.patch.object(epath.Path, "write_text", disk_full_for_step_4):
    with pytest.raises(CheckpointWriteError, match=r"No space left on device.*step 2, is intact; free some space"):
      _train_in_process(tiny_config, workdir, 4)
  with caplog.at_level("INFO"):
    state = _train_in_process(tiny_config, workdir, 4)
  assert "at step 2" in caplog.text and int(state.step) == 4
  assert "4" in os.listdir(os.path.join(workdir, "checkpoints"))


def test_a_second_run_on_a_workdir_in_use_is_refused_and_a_killed_run_leaves_no_lock(tiny_data_dir, tmp_path):
  """Two real processes: the second `vidgan train` on a workdir a run is using stops at start-up
  with one line naming the first (host, process id, since when) and touches nothing of it; once
  the first is killed (SIGKILL: no clean-up), the next start takes the workdir."""
  workdir = str(tmp_path / "run")
  first = subprocess.Popen(
    _train_command(workdir, tiny_data_dir, steps=10_000), cwd=REPO, env=_env(), stderr=subprocess.PIPE, text=True
  )
  try:
    _wait_for(os.path.join(workdir, "checkpoints", "2", "commit_success.txt"), first)
    config_file = os.path.join(workdir, "config.json")
    written = os.stat(config_file).st_mtime_ns
    second = subprocess.run(
      _train_command(workdir, tiny_data_dir), cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "Traceback" not in second.stderr, second.stderr
    assert f"is in use by another training run (host {os.uname().nodename}, process {first.pid}, since " in errors[0]
    assert first.poll() is None  # The first run goes on.
    assert os.stat(config_file).st_mtime_ns == written  # The second run wrote nothing of its own.
  finally:
    first.kill()
    first.communicate(timeout=60)
  resumed = subprocess.run(
    _train_command(workdir, tiny_data_dir, steps=4), cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300
  )
  assert resumed.returncode == 0, resumed.stderr[-3000:]
  assert "in use" not in resumed.stderr


@pytest.mark.fast
def test_the_workdir_lock_is_held_until_released(tmp_path):
  from vidgan_jax import workdir_lock

  lock = workdir_lock.acquire(tmp_path)
  with pytest.raises(workdir_lock.WorkdirInUse, match=rf"process {os.getpid()}, since .*choose another --workdir"):
    workdir_lock.acquire(tmp_path)
  lock.release()
  workdir_lock.acquire(tmp_path).release()


@pytest.mark.fast
def test_a_read_is_retried_only_when_a_newer_checkpoint_has_appeared(tmp_path):
  """A checkpoint being removed (it may still exist, half gone) fails its reader: read_newest
  moves on to the newer one the run saved meanwhile; a failure on the newest itself is raised."""
  from vidgan_jax import checkpoints

  root = tmp_path / "checkpoints"
  (root / "4").mkdir(parents=True)
  reads = []

  def read_while_the_run_saves(step_dir):
    reads.append(step_dir.name)
    if step_dir.name == "4":
      (root / "5").mkdir()  # The run saved step 5 and is removing step 4, file by file.
      raise ValueError("Truncated Zstd-compressed stream")
    return step_dir.name

  step_dir, value = checkpoints.read_newest(str(tmp_path), read_while_the_run_saves)
  assert (step_dir.name, value, reads) == ("5", "5", ["4", "5"])

  def broken(step_dir):
    reads.append(step_dir.name)
    raise ValueError(f"damaged {step_dir.name}")

  reads.clear()
  with pytest.raises(ValueError, match="damaged 5"):
    checkpoints.read_newest(str(tmp_path), broken)
  assert reads == ["5"]


def test_readers_beside_a_writer_use_the_newest_complete_checkpoint(tiny_data_dir, tmp_path):
  """While `vidgan train` saves a checkpoint every step, a reader in this process loads the
  newest checkpoint again and again, as sample, eval and inspect do: every load succeeds, from a
  complete checkpoint, and the steps it sees move on."""
  from vidgan_jax import checkpoints, inference

  workdir = str(tmp_path / "run")
  command = _train_command(workdir, tiny_data_dir, steps=10_000)
  command[command.index("--config.checkpoint_every_steps=2")] = "--config.checkpoint_every_steps=1"
  writer = subprocess.Popen(command, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
  try:
    _wait_for(os.path.join(workdir, "checkpoints", "2"), writer)
    seen, deadline = [], time.time() + 60
    while time.time() < deadline:
      # load_generator reads the step from the checkpoint's own metadata.
      step_dir, model = checkpoints.read_newest(workdir, inference.load_generator)
      assert model.step == int(step_dir.name)
      seen.append(model.step)
    assert writer.poll() is None, writer.stderr.read()[-3000:]
  finally:
    writer.terminate()
    writer.communicate(timeout=300)
  assert len(seen) >= 5 and seen[-1] > seen[0] and seen == sorted(seen), seen
