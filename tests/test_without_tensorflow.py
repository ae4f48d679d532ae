"""The documented `vidgan` commands where TensorFlow cannot be imported (an accelerator host with
JAX alone; the `env_without_tensorflow` fixture): `vidgan build` here; train (with a Grain worker
process), resume, sample, eval and inspect in tests/test_bucket_runs.py, which runs them so."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# TFDS prints this where it would have used TensorFlow, and carries on where it can.
TFDS_FALLBACK = "Failed to import TensorFlow"


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
  return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)


def test_the_blocker_blocks(env_without_tensorflow):
  result = _run(env_without_tensorflow, sys.executable, "-c", "import tensorflow")
  assert result.returncode != 0 and "importing tensorflow is blocked" in result.stderr


def test_build_without_tensorflow(env_without_tensorflow, tmp_path):
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  data = tmp_path / "data"
  result = _run(env_without_tensorflow, vidgan, "build", "action_scenes", "--config=tiny", f"--data_dir={data}")
  assert result.returncode == 0, result.stderr[-4000:]
  assert TFDS_FALLBACK not in result.stdout + result.stderr, result.stdout[-4000:]
  assert any(f.endswith(".array_record-00000-of-00001") for f in os.listdir(data / "action_scenes" / "tiny" / "2.0.0"))
