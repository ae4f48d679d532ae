"""build -> train -> sample -> eval with the documented `vidgan` commands where TensorFlow cannot be
imported (an accelerator host with JAX alone): every process, Grain's workers included, finds a
`tensorflow` package on PYTHONPATH whose import raises."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def env_without_tensorflow(tmp_path) -> dict:
  blocker = tmp_path / "blocker" / "tensorflow"
  blocker.mkdir(parents=True)
  (blocker / "__init__.py").write_text('raise ImportError("importing tensorflow is blocked in this test")\n')
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker.parent), env.get("PYTHONPATH")]))
  return env


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
  return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)


def test_the_blocker_blocks(env_without_tensorflow):
  result = _run(env_without_tensorflow, sys.executable, "-c", "import tensorflow")
  assert result.returncode != 0 and "importing tensorflow is blocked" in result.stderr


def test_build_train_sample_eval_without_tensorflow(env_without_tensorflow, tmp_path):
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  data, workdir = str(tmp_path / "data"), str(tmp_path / "workdir")

  def vidgan_ok(*args: str) -> subprocess.CompletedProcess:
    result = _run(env_without_tensorflow, vidgan, *args)
    assert result.returncode == 0, f"vidgan {' '.join(args)}:\n{result.stderr[-4000:]}"
    # TFDS prints this where it would have used TensorFlow, and carries on where it can.
    assert "Failed to import TensorFlow" not in result.stdout + result.stderr, result.stdout[-4000:]
    return result

  vidgan_ok("build", "action_scenes", "--config=tiny", f"--data_dir={data}")
  assert any(f.endswith(".array_record-00000-of-00001") for f in os.listdir(f"{data}/action_scenes/tiny/2.0.0"))
  train = vidgan_ok(
    "train",
    "--config=experiments/tiny.py",
    f"--workdir={workdir}",
    f"--config.data_dir={data}",
    "--config.num_train_steps=2",
    "--config.log_every_steps=1",
    "--config.input_workers=1",  # A Grain worker process: it too must do without TensorFlow.
  )
  assert "step 2:" in train.stderr and os.path.isdir(f"{workdir}/checkpoints/2/input")
  vidgan_ok("sample", f"--workdir={workdir}", "--prompt=a man plays golf on the grass", "--num=1", f"--out={workdir}/s")
  assert os.path.exists(f"{workdir}/s/grid.gif")
  vidgan_ok("eval", f"--workdir={workdir}", f"--out={workdir}/eval")
  assert os.path.exists(f"{workdir}/eval/report.md")
