"""`vidgan bench` on the tiny config: every figure present and positive."""

import json
import os
import subprocess
import sys

from experiments.variants import BEST_MEASURED, VARIANTS

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
  from vidgan_jax import speed

  assert speed.peak_tflops("NVIDIA H100 80GB HBM3", "bfloat16") == 989.0
  assert speed.peak_tflops("TPU v4", "float32") == 275.0
  assert speed.peak_tflops("cpu", "float32") is None
  assert speed.bandwidth_gbps("NVIDIA H200") == 4800.0 and speed.bandwidth_gbps("cpu") is None


def test_profile_step_as_typed_writes_the_table_and_the_trace(tmp_path):
  out = tmp_path / "profile"
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [sys.executable, "-m", "benchmarks.speed.profile_step", "--config=experiments/tiny.py", f"--out={out}"]
  command += ["--steps=2", "--top=40", "--peak_tflops=0.2", "--bandwidth_gbps=20"]
  result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  report = (out / "profile.md").read_text()
  rows = [line.split(" | ") for line in report.splitlines() if line.startswith("| ") and "---" not in line][1:]
  assert len(rows) == 40  # The tiny step has more ops than that.
  assert all(row[-1] in ("compute |", "memory |") for row in rows), report
  assert all(0 < float(row[2].rstrip("%")) <= 100 for row in rows), report
  # Which ops come first depends on the machine's timing; among 40, convolutions with their FLOPs.
  assert any(float(row[3]) > 0 for row in rows), report
  assert "Balance: 10 FLOP/byte" in report
  assert list((out / "trace").glob("**/*.trace.json.gz"))


def test_profile_step_counts_a_convolutions_flops_and_bytes():
  import jax
  import jax.numpy as jnp

  from benchmarks.speed import hlo_ops

  def conv(x, w):
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

  x, w = jnp.zeros((2, 8, 8, 4)), jnp.zeros((3, 3, 4, 6))
  hlo = hlo_ops.HloOps(jax.jit(conv).lower(x, w).compile().as_text())
  (name,) = [n for n, op in hlo.instructions.items() if op["opcode"] == "convolution"]
  assert hlo.flops(name) == 2 * (2 * 8 * 8 * 6) * (3 * 3 * 4)
  assert hlo.bytes(name) == 4 * (2 * 8 * 8 * 6 + 2 * 8 * 8 * 4 + 3 * 3 * 4 * 6)


FUSED_CONV_HLO = """
%fused_conv (p0: f32[2,8,8,4], p1: f32[3,3,4,6]) -> f32[2,8,8,6] {
  %p0 = f32[2,8,8,4]{3,2,1,0} parameter(0)
  %p1 = f32[3,3,4,6]{3,2,1,0} parameter(1)
  ROOT %conv = f32[2,8,8,6]{3,2,1,0} convolution(%p0, %p1), window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f
}

ENTRY %main (x: f32[2,8,8,4], w: f32[3,3,4,6]) -> f32[2,8,8,6] {
  %x = f32[2,8,8,4]{3,2,1,0} parameter(0)
  %w = f32[3,3,4,6]{3,2,1,0} parameter(1)
  ROOT %ynn_fusion = f32[2,8,8,6]{3,2,1,0} fusion(%x, %w), kind=kCustom, calls=%fused_conv
}
"""


def test_profile_step_gives_a_fusion_the_flops_of_what_it_calls():
  """The trace names the fusion that wraps a convolution (e.g. a YNNPACK fusion), not the convolution."""
  from benchmarks.speed import hlo_ops

  hlo = hlo_ops.HloOps(FUSED_CONV_HLO)
  assert hlo.flops("ynn_fusion") == hlo.flops("conv") == 2 * (2 * 8 * 8 * 6) * (3 * 3 * 4)
  assert hlo.bytes("ynn_fusion") == 4 * (2 * 8 * 8 * 6 + 2 * 8 * 8 * 4 + 3 * 3 * 4 * 6)


def test_compiler_options_benchmark_as_typed_compares_the_variants():
  from vidgan_jax import default_config

  # The config's own options were compiled for the same shapes by the profile test above (shared
  # compilation cache); XLA's defaults are compiled here.
  options = default_config.get_config().cpu_compiler_options
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [
    sys.executable,
    "-m",
    "benchmarks.speed.compare_compiler_options",
    "--config=experiments/tiny.py",
    "--rounds=1",
  ]
  command += ["--options=", f"--options={options}"]
  result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and " ms (" in line]
  assert len(rows) == 2, result.stdout
  assert rows[0].startswith("| (XLA's defaults) |") and rows[0].endswith("| 1.00 |")
  assert rows[1].startswith(f"| `{options}` |")


def _vidgan_bench(tiny_data_dir, out, *overrides):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [
    sys.executable, "-m", "vidgan_jax", "bench", "--config=experiments/tiny.py", f"--config.data_dir={tiny_data_dir}",
    "--steps=2", "--input_batches=2", "--sample_repeats=1", f"--json={out}", *overrides,
  ]  # fmt: skip
  return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_bench_times_the_best_measured_variant(tiny_data_dir, tmp_path):
  """Its factor labels, layered generator and words readout included, as results_row.py passes them."""
  out = tmp_path / "bench.json"
  result = _vidgan_bench(tiny_data_dir, out, *[f"--config.{k}={v}" for k, v in VARIANTS[BEST_MEASURED].items()])
  assert result.returncode == 0, result.stderr[-3000:]
  figures = json.loads(out.read_text())
  assert figures["clips_per_second"] > 0 and figures["config"]["model"]["factor_readout"] == "words"


def test_sweep_times_a_named_variant_and_tuple_values(stage_factors_run, tmp_path):
  """A variant by its name, and overrides whose tuple values hold commas."""
  tuple_overrides = "factor_keys=('action','scene'),factor_classes=(10,6),model.factor_bottleneck=True"
  command = [
    sys.executable, "benchmarks/speed/sweep.py", "--config=experiments/tiny.py",
    f"--tokenizer={stage_factors_run / 'tokenizer.json'}", f"--variant={BEST_MEASURED}",
    f"--variant={tuple_overrides}", "--steps=2", "--sample_repeats=1", f"--out={tmp_path}",
  ]  # fmt: skip
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  rows = [json.loads(line) for line in (tmp_path / "sweep.jsonl").read_text().splitlines()]
  assert [row["variant"] for row in rows] == [BEST_MEASURED, tuple_overrides]
  assert all(row["clips_per_second"] > 0 for row in rows)
