"""What happens when things go wrong: a killed run, preemption, broken checkpoints."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import orbax.checkpoint as ocp

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
