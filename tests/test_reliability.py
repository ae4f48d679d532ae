"""What happens when things go wrong: a killed run, preemption, broken checkpoints."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _train_command(workdir, data_dir, steps=8):
  return [sys.executable, "-c", "from vidgan_jax.cli import main; main()", "train",
          "--config=experiments/tiny.py", f"--workdir={workdir}", f"--config.data_dir={data_dir}",
          f"--config.num_train_steps={steps}", "--config.checkpoint_every_steps=2",
          "--config.sample_every_steps=1000", "--config.log_every_steps=2"]


def _env():
  return {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}  # One CPU device.


def _final_params(workdir, step):
  state = ocp.StandardCheckpointer().restore(os.path.join(workdir, "checkpoints", str(step), "state"))
  return {name: state[name] for name in ("g_params", "d_params", "ema_params", "g_opt_state", "d_opt_state")}


def _wait_for(path, process, timeout=300):
  deadline = time.time() + timeout
  while not os.path.exists(path):
    assert process.poll() is None, "training exited before the checkpoint appeared"
    assert time.time() < deadline, f"{path} did not appear"
    time.sleep(0.2)


def test_killed_run_resumes_bit_identical(tiny_data_dir, tmp_path):
  """Run A trains 8 steps straight; run B is SIGKILLed after its step-4 checkpoint and restarted.

  Both end with identical parameters and optimiser states: same noise (from seed and step), same
  batches (the data order is a function of the seed; the resumed iterator skips what was used),
  and XLA on the CPU is deterministic for a given program. Tolerance: exact equality.
  """
  straight, killed = str(tmp_path / "a"), str(tmp_path / "b")
  subprocess.run(_train_command(straight, tiny_data_dir), check=True, cwd=REPO, env=_env(),
                 capture_output=True, timeout=600)
  process = subprocess.Popen(_train_command(killed, tiny_data_dir), cwd=REPO, env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  _wait_for(os.path.join(killed, "checkpoints", "4", "commit_success.txt"), process)
  process.send_signal(signal.SIGKILL)
  process.wait(timeout=60)
  assert not os.path.exists(os.path.join(killed, "checkpoints", "8"))
  resumed = subprocess.run(_train_command(killed, tiny_data_dir), cwd=REPO, env=_env(), capture_output=True,
                           text=True, timeout=600)
  assert resumed.returncode == 0, resumed.stderr
  assert "resumed from" in resumed.stderr
  a, b = _final_params(straight, 8), _final_params(killed, 8)
  for (name, x), (_, y) in zip(_leaves(a), _leaves(b), strict=True):
    np.testing.assert_array_equal(x, y, err_msg=name)


def _leaves(tree, prefix=""):
  if isinstance(tree, dict):
    for k in sorted(tree):
      yield from _leaves(tree[k], f"{prefix}/{k}")
  elif isinstance(tree, (list, tuple)):
    for i, v in enumerate(tree):
      yield from _leaves(v, f"{prefix}/{i}")
  else:
    yield prefix, np.asarray(tree)


def _train_in_process(config, workdir, steps):
  from vidgan_jax import train
  config.num_train_steps = steps
  return train.train_and_evaluate(config, workdir)


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


def test_checkpoint_of_another_model_is_named_not_skipped(tiny_config, tmp_path):
  from vidgan_jax.checkpoints import IncompatibleCheckpoint
  workdir = str(tmp_path)
  _train_in_process(tiny_config.copy_and_resolve_references(), workdir, 3)
  tiny_config.model.refine_width = 16
  with pytest.raises(IncompatibleCheckpoint, match=r"g_params\['refine'\]\['Conv_0'\]\['bias'\]: saved \(32,\)"):
    _train_in_process(tiny_config, workdir, 4)


@pytest.mark.parametrize("policy", ["skip", "stop"])
def test_non_finite_losses_never_reach_the_weights(tiny_config, tmp_path, policy, caplog):
  tiny_config.loss.gamma_l1 = float("nan")  # Every generator loss is NaN.
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
  result = subprocess.run([sys.executable, "-c", "from vidgan_jax.cli import main; main()", "inspect", step_dir],
                          cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300)
  assert result.returncode != 0
  assert "is unreadable" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_saves_a_checkpoint_and_exits_cleanly(tiny_data_dir, tmp_path):
  workdir = str(tmp_path)
  process = subprocess.Popen(_train_command(workdir, tiny_data_dir, steps=10_000), cwd=REPO, env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
  _wait_for(os.path.join(workdir, "checkpoints", "2", "commit_success.txt"), process)
  process.send_signal(signal.SIGTERM)
  _, stderr = process.communicate(timeout=300)
  assert process.returncode == 0, stderr
  match = re.search(r"SIGTERM received: saved a checkpoint at step (\d+) and stopped", stderr)
  assert match, stderr
  steps = [int(d) for d in os.listdir(os.path.join(workdir, "checkpoints")) if d.isdigit()]
  assert max(steps) == int(match.group(1)) >= 2


def test_unwritable_workdir_is_a_start_up_error(tiny_config, tmp_path):
  from vidgan_jax import train
  blocked = tmp_path / "file"
  blocked.write_text("a file where the workdir's parent should be")
  with pytest.raises(PermissionError, match="is not writable.*choose another --workdir"):
    train.train_and_evaluate(tiny_config, str(blocked / "workdir"))
