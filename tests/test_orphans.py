"""No process outlives its command (vidgan_jax/processes.py): the workers a command starts (Grain's
input workers, the build's rendering pool, the decoders) end within seconds of a SIGKILL of it."""

import os
import signal
import subprocess
import sys
import time

import pytest

from benchmarks.reliability.chaos import descendants, survivors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _kill_parent_of_a_pool(mode: str) -> tuple[set[int], set[int]]:
  pool = os.path.join(REPO, "tests", "orphan_pool.py")
  parent = subprocess.Popen([sys.executable, pool, mode], cwd=REPO, stdout=subprocess.PIPE, text=True)
  workers = {int(p) for p in parent.stdout.readline().split()}
  parent.send_signal(signal.SIGKILL)
  parent.wait()
  return workers, survivors(workers)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
def test_pool_workers_end_with_a_killed_parent_only_when_they_watch_it():
  workers, survivors = _kill_parent_of_a_pool("plain")
  try:
    assert len(workers) == 2 and survivors == workers  # What a killed command left before.
  finally:
    for pid in survivors:
      os.kill(pid, signal.SIGKILL)
  workers, survivors = _kill_parent_of_a_pool("watch")
  assert len(workers) == 2 and survivors == set()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
@pytest.mark.parametrize("command", ["train", "build"])
def test_a_killed_command_leaves_no_process(command, tiny_data_dir, tmp_path):
  """SIGKILL once the command's workers run: Grain's input workers (train), the rendering pool
  (build of action_scenes/16px); none of its processes is left 5 s later."""
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  if command == "train":
    args = [
      "train", "--config=experiments/tiny.py", f"--workdir={tmp_path}/run", f"--config.data_dir={tiny_data_dir}",
      "--config.input_workers=2", "--config.num_train_steps=100000", "--config.log_every_steps=1",
    ]  # fmt: skip
    ready = "step 1:"
  else:
    args = ["build", "action_scenes", "--config=16px", f"--data_dir={tmp_path}/data"]
    ready = "Generating train examples"
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  log = tmp_path / "log"
  with log.open("w") as out:
    process = subprocess.Popen([vidgan, *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
  deadline = time.time() + 300
  while ready not in log.read_text() or len(descendants(process.pid)) < 2:
    assert process.poll() is None and time.time() < deadline, log.read_text()[-3000:]
    time.sleep(0.5)
  children = descendants(process.pid)
  process.send_signal(signal.SIGKILL)
  process.wait()
  assert survivors(children) == set(), f"{len(children)} processes, left: {survivors(children, 0)}"
