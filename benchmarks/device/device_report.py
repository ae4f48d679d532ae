"""The device script's helpers (`benchmarks/device/device_run.sh`): the step's FLOPs as two programs count
them, and the markdown report assembled from what each stage wrote.

    python benchmarks/device/device_report.py flops --config=experiments/paper.py --json=OUT/flops.json
    python benchmarks/device/device_report.py perf --out=OUT      # OUT/report.md from the perf stages
    python benchmarks/device/device_report.py models --out=OUT    # OUT/report.md from the results rows
"""

import argparse
import datetime
import json
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def flops(config_path: str, json_path: str) -> None:
  """FLOPs of one train step: lowered for the CPU (what `vidgan bench` reports and MFU divides by)
  and as the default backend's compiled program counts them (a GPU's leaves out what cuDNN runs)."""
  import jax

  from vidgan_jax import speed, train_step
  from vidgan_jax.batch_layout import batch_layout
  from vidgan_jax.configs import load_config_file
  from vidgan_jax.distributed import replicate
  from vidgan_jax.models import build_models

  config = load_config_file(config_path)
  generator, discriminator = build_models(config, 512)
  state = replicate(train_step.create_train_state(config, generator, discriminator))
  batch = speed.synthetic_batch(config, batch_layout(config.batch_size), 512)
  compiled = train_step.make_p_train_step(generator, discriminator, config).compile(state, batch)
  cost = compiled.cost_analysis()
  cost = cost[0] if isinstance(cost, list) else cost
  figures = {
    "backend": jax.default_backend(),
    "device": jax.devices()[0].device_kind,
    "cpu_lowered_flops": speed.step_flops(config, generator, discriminator, state, batch),
    "backend_compiled_flops": float(cost["flops"]) * jax.device_count() if cost and "flops" in cost else None,
  }
  pathlib.Path(json_path).write_text(json.dumps(figures, indent=2))
  print(json.dumps(figures))


def _read(path: pathlib.Path) -> str | None:
  return path.read_text() if path.exists() else None


def _failed(out: pathlib.Path) -> list[str]:
  progress = _read(out / "progress.log") or ""
  return re.findall(r"stage (\S+) FAILED", progress)


def perf_report(out: pathlib.Path) -> str:
  lines = [f"# The paper step on {_device(out)} ({datetime.date.today().isoformat()})", ""]
  profile = _read(out / "profile" / "profile.md")
  lines += ["## Profile (`benchmarks/speed/profile_step.py`)", "", profile or "(no profile)", ""]
  bench = json.loads(_read(out / "bench.json") or "null")
  lines += ["## `vidgan bench`", ""]
  if bench:
    lines += ["| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in bench.items() if not isinstance(v, (dict, list))]
    lines += [f"| {k} | {json.dumps(v)} |" for k, v in bench.items() if isinstance(v, dict) and k != "config"]
  else:
    lines.append("(no bench figures)")
  peer = json.loads(_read(out / "peer.json") or "null")
  lines += [
    "",
    "## Ours and the PyTorch peer, one process (`benchmarks/torch_peer/compare.py`, with `--compile` on the device)",
    "",
  ]
  if peer:
    batch = peer["config"]["batch_size"]
    lines += [f"{peer['hardware']}", "", "| implementation | ms/step | clips/s |", "|---|---|---|"]
    lines += [
      f"| {name} | {1e3 * r['median_seconds']:.1f} | {batch / r['median_seconds']:.1f} |"
      for name, r in peer["rows"].items()
    ]
  else:
    lines.append("(no peer figures: is PyTorch installed?)")
  input_log = (_read(out / "input.log") or "").splitlines()
  input_lines = [line for line in input_log if re.match(r"(bare reads|training batches|\d+x\d+px clips)", line)]
  lines += ["", "## Input clips/s on the host (`benchmarks/speed/input_speed.py`)", "", "```", *input_lines, "```"]
  lines += ["", "## The loop against the bare step", ""]
  loop = re.findall(r"step (\d+): ([0-9.]+) steps/s", _read(out / "loop.log") or "")
  bare = bench and bench.get("step_seconds", {}).get("median")
  if loop and bare:
    loop_rate = float(loop[-1][1])
    lines.append(
      f"`vidgan train` {loop_rate:.2f} steps/s over its last log window; the bare step {1 / bare:.2f} steps/s: "
      f"{loop_rate * bare:.2f}x."
    )
  else:
    lines.append("(no loop or bare-step figure)")
  flops_figures = json.loads(_read(out / "flops.json") or "null")
  lines += ["", "## FLOPs per step", "", "```", json.dumps(flops_figures, indent=2), "```"]
  return "\n".join(lines + _failures(out)) + "\n"


def models_report(out: pathlib.Path) -> str:
  lines = [f"# Model variants at scale on {_device(out)} ({datetime.date.today().isoformat()})", ""]
  lines += [_read(out / "results_rows.md") or "(no rows)", "", "## Learning curves (in-training evaluations)", ""]
  for curve in sorted(out.glob("evals/*/curve.log")):
    lines += [f"### {curve.parent.name}", "", "```", curve.read_text().strip(), "```", ""]
  return "\n".join(lines + _failures(out)) + "\n"


def _device(out: pathlib.Path) -> str:
  flops_figures = json.loads(_read(out / "flops.json") or "null")
  return flops_figures["device"] if flops_figures else "the device"


def _tail(path: pathlib.Path, lines: int = 15) -> str:
  text = _read(path)
  return "\n".join(text.strip().splitlines()[-lines:]) if text else "(no output)"


def _failures(out: pathlib.Path) -> list[str]:
  failed = _failed(out)
  return (
    ["", "## Stages that failed", ""] + [f"- {name}: {_tail(out / (name + '.log'), 5)}" for name in failed]
    if failed
    else []
  )


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("job", choices=["flops", "perf", "models"])
  parser.add_argument("--config")
  parser.add_argument("--json")
  parser.add_argument("--out")
  args = parser.parse_args()
  if args.job == "flops":
    if not (args.config and args.json):
      parser.error("flops needs --config and --json")
    flops(args.config, args.json)
    return
  if not args.out:
    parser.error(f"{args.job} needs --out")
  out = pathlib.Path(args.out)
  report = perf_report(out) if args.job == "perf" else models_report(out)
  (out / "report.md").write_text(report)
  print(report)


if __name__ == "__main__":
  main()
