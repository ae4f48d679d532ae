"""The prepared device script (`benchmarks/device/device_run.sh`) as typed, on the CPU at the tiny config
(DRY_RUN=1): every stage runs and the report holds each section, so that a lent GPU's minutes are
spent on figures, not on the script's mistakes. The PyTorch peer's stage needs torch (`make
peer-test`'s venv runs this file too); without it the report says the peer is missing."""

import importlib.util
import os
import subprocess
import sys

from experiments.variants import BEST_MEASURED

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _run(job: str, out) -> str:
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  env.update(DRY_RUN="1", OUT=str(out), PYTHON=os.path.join(os.path.dirname(sys.executable), "python"))
  result = subprocess.run(
    ["bash", "benchmarks/device/device_run.sh", job], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500
  )
  assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
  return (out / "report.md").read_text()


def test_the_perf_job_runs_every_stage(tmp_path):
  report = _run("perf", tmp_path)
  failed = [line for line in (tmp_path / "progress.log").read_text().splitlines() if "FAILED" in line]
  assert failed == ([] if HAS_TORCH else [line for line in failed if "stage peer" in line]), failed
  for section in ("## Profile", "## `vidgan bench`", "## Ours and the PyTorch peer", "## Input clips/s", "## FLOPs"):
    assert section in report
  assert "| step_seconds |" in report and "cpu_lowered_flops" in report
  assert "the bare step" in report and "(no loop or bare-step figure)" not in report
  if HAS_TORCH:  # Eager here; torch.compile is timed on the device only.
    assert "| PyTorch peer, eager |" in report


def test_the_models_job_trains_evaluates_and_exports_each_variant(tmp_path):
  report = _run("models", tmp_path)
  assert "FAILED" not in (tmp_path / "progress.log").read_text()
  rows = [line for line in report.splitlines() if line.startswith("| tiny |")]
  assert {row.split(" | ")[1] for row in rows} == {"defaults", BEST_MEASURED}
  for run in ("tiny-defaults-s0", f"tiny-{BEST_MEASURED}-s0"):
    assert (tmp_path / "exports" / run / "params.msgpack").is_file()
    assert (tmp_path / "evals" / run / "report.md").is_file()
