"""`vidgan bench` on the tiny config: every figure present and positive."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = (
  "compile_seconds",
  "clips_per_second",
  "flops_per_step",
  "achieved_tflops",
  "peak_tflops",
  "mfu",
  "input_clips_per_second",
  "input_headroom",
  "sample_clips_per_second",
)


def test_bench_writes_every_figure(tiny_data_dir, tmp_path):
  out = tmp_path / "bench.json"
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  result = subprocess.run(
    [
      sys.executable,
      "-c",
      "from vidgan_jax.cli import main; main()",
      "bench",
      "--config=experiments/tiny.py",
      f"--config.data_dir={tiny_data_dir}",
      "--steps=3",
      "--input_batches=3",
      "--sample_repeats=1",
      "--peak_tflops=0.5",
      f"--json={out}",
    ],
    capture_output=True,
    text=True,
    env=env,
    cwd=ROOT,
    timeout=600,
  )
  assert result.returncode == 0, result.stderr
  assert "train step: median" in result.stdout and "MFU:" in result.stdout
  figures = json.loads(out.read_text())
  for key in KEYS:
    assert figures[key] > 0, key
  steps = figures["step_seconds"]
  assert 0 < steps["min"] <= steps["median"] <= steps["max"]
  assert figures["backend"] == "cpu" and figures["global_batch"] == 8
  assert figures["peak_memory_bytes"] is None or figures["peak_memory_bytes"] > 0
  assert figures["config"]["dataset"] == "action_scenes/tiny"


def test_peak_table_knows_accelerators_but_not_cpus():
  from vidgan_jax import benchmark

  assert benchmark.peak_tflops("NVIDIA H100 80GB HBM3", "bfloat16") == 989.0
  assert benchmark.peak_tflops("TPU v4", "float32") == 275.0
  assert benchmark.peak_tflops("cpu", "float32") is None
