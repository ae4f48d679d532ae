"""Kills at random moments, restarts, and a bit-for-bit comparison with a run never stopped.

    python -m benchmarks.reliability.chaos [--trials=20] [--seed=0] [--workdir=workdirs/chaos] [--videos] [--prompts]
        [--args] [--bitflips=20] [--replicas=20] [--orphans=12]

Trains `experiments/tiny.py` for `--steps` steps once without interruption, then, per trial,
starts the same `vidgan train` command, sends it SIGKILL (or, every third trial, SIGTERM) at a
random moment of a phase (start-up, a train step, an asynchronous checkpoint write, sampling),
starts it again until it finishes, and compares every array of the final train state with the
uninterrupted run's: exact equality. Prints a table (trial, signal, phase, when, the step the run
had logged, the step it resumed from, steps lost, exit code, equal) and writes it to
`<workdir>/chaos.md`. `--videos` also builds the damaged-video set
(`vidgan_jax.datasets.text2video_real.damaged_videos`) with the documented command and checks every
file's outcome; `--prompts` sends the odd prompts (`benchmarks/reliability/odd_prompts.py`) through
`vidgan sample`; `--args` gives every command the ordinary mistakes of `benchmarks/reliability/odd_args.py`;
`--bitflips` flips one bit at a random offset of a random file (chosen by size) of a copy of the
uninterrupted run's newest checkpoint, per trial, and counts the flips its checksums catch;
`--replicas` flips bits in one of 8 devices' copies of a train state (`benchmarks/reliability/replica_flips.py`);
`--orphans` SIGKILLs `vidgan train` (2 input workers), `vidgan build` and `vidgan eval` at random
moments and counts the processes each leaves behind.
Exits 1 if anything differs.
"""

import argparse
import collections
import dataclasses
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE_TREES = ("g_params", "d_params", "ema_params", "g_opt_state", "d_opt_state", "step", "nonfinite_steps")
STEP_LINE = re.compile(r" step (\d+): ")
RESUMED_LINE = re.compile(r"resumed from .* at step (\d+)")


def vidgan(*args: str) -> list[str]:
  return [os.path.join(os.path.dirname(sys.executable), "vidgan"), *args]


def env(root: str) -> dict:
  """One CPU device; restarts take the compiled step from a compilation cache (the same program)."""
  cache = os.environ.get("JAX_COMPILATION_CACHE_DIR", os.path.join(root, "jax_cache"))
  return {**{k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}, "JAX_COMPILATION_CACHE_DIR": cache}


def train_command(workdir: str, data_dir: str, steps: int) -> list[str]:
  """Checkpoints every 2 steps and samples every 3 steps: every phase comes round often."""
  return vidgan(
    "train",
    "--config=experiments/tiny.py",
    f"--workdir={workdir}",
    f"--config.data_dir={data_dir}",
    f"--config.num_train_steps={steps}",
    "--config.checkpoint_every_steps=2",
    "--config.sample_every_steps=3",
    "--config.log_every_steps=1",
  )


class Run:
  """A `vidgan train` process whose stderr lines are read as they come, with their arrival times."""

  def __init__(self, command: list[str], log_path: str):
    self.start = time.time()
    root = os.path.dirname(log_path)
    self.lines: list[tuple[float, str]] = []
    self.log = open(log_path, "w")
    self.process = subprocess.Popen(
      command, cwd=REPO, env=env(root), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    self.reader = threading.Thread(target=self._read, daemon=True)
    self.reader.start()

  def _read(self) -> None:
    for line in self.process.stderr:
      self.lines.append((time.time() - self.start, line))
      self.log.write(line)

  def logged_step(self) -> int:
    """The newest step the run logged (log_every_steps=1: the steps it finished)."""
    steps = [int(m.group(1)) for _, line in list(self.lines) for m in [STEP_LINE.search(line)] if m]
    return max(steps, default=0)

  def first_step_seconds(self) -> float | None:
    """Seconds from the start to the first step's log line."""
    return next((t for t, line in self.lines if STEP_LINE.search(line)), None)

  def wait_for_step(self, step: int, timeout: float) -> float | None:
    """Seconds since start when `step` was logged; None if the run ended or timed out first."""
    deadline = time.time() + timeout
    while time.time() < deadline and self.process.poll() is None:
      if self.logged_step() >= step:
        return time.time() - self.start
      time.sleep(0.005)
    return None

  def finish(self, timeout: float = 900) -> int:
    code = self.process.wait(timeout=timeout)
    self.reader.join(timeout=30)
    self.log.close()
    return code

  def text(self) -> str:
    return "".join(line for _, line in self.lines)


def complete_steps(workdir: str) -> list[int]:
  root = os.path.join(workdir, "checkpoints")
  return sorted(int(d) for d in os.listdir(root) if d.isdigit()) if os.path.isdir(root) else []


def final_state(workdir: str, step: int) -> dict:
  import orbax.checkpoint as ocp

  state = ocp.StandardCheckpointer().restore(os.path.join(workdir, "checkpoints", str(step), "state"))
  return {name: state[name] for name in STATE_TREES}


def equal_states(a: dict, b: dict) -> bool:
  import jax

  leaves_a, leaves_b = jax.tree_util.tree_leaves_with_path(a), jax.tree_util.tree_leaves_with_path(b)
  return len(leaves_a) == len(leaves_b) and all(
    pa == pb and np.array_equal(np.asarray(x), np.asarray(y)) for (pa, x), (pb, y) in zip(leaves_a, leaves_b)
  )


@dataclasses.dataclass
class Timing:
  """Seconds to the first step's log line (the shortest a fresh run has taken so far: the first
  one compiles, later ones find the step in the compilation cache), and the shortest time
  between two step log lines of the uninterrupted run (a step without a save or samples)."""

  start_up: float
  step: float


@dataclasses.dataclass
class Trial:
  number: int
  signal: str
  phase: str
  at_seconds: float
  in_phase: bool  # Whether the kill landed where aimed (e.g. a checkpoint's temporary directory existed).
  logged_step: int
  exit_code: int
  resumed_from: int
  equal: bool

  @property
  def steps_lost(self) -> int:
    return max(0, self.logged_step - self.resumed_from)


def _checkpoint_in_flight(workdir: str) -> bool:
  return bool(glob.glob(os.path.join(workdir, "checkpoints", "*.orbax-checkpoint-tmp*")))


def _in_start_up(run: Run, workdir: str, steps: int, timing: Timing, rng: np.random.Generator) -> bool:
  """Before the first step: landed if no step was logged."""
  time.sleep(rng.uniform(0.1, 0.9) * timing.start_up)
  return run.logged_step() == 0


def _in_train_step(run: Run, workdir: str, steps: int, timing: Timing, rng: np.random.Generator) -> bool:
  """Inside the step after a random logged one: landed if it had not ended and no save was in flight."""
  step = int(rng.integers(1, steps - 1))
  run.wait_for_step(step, timeout=600)
  time.sleep(rng.uniform(0, 0.8) * timing.step)
  return run.logged_step() == step and not _checkpoint_in_flight(workdir)


def _in_sampling(run: Run, workdir: str, steps: int, timing: Timing, rng: np.random.Generator) -> bool:
  """Samples are written right after the log line of steps 3, 6, ... (about 0.1 s for the tiny
  model): landed if the step's GIF did not exist yet."""
  step = 3 * int(rng.integers(1, max(2, (steps - 1) // 3 + 1)))
  run.wait_for_step(step, timeout=600)
  time.sleep(rng.uniform(0, 0.05))
  return not os.path.exists(os.path.join(workdir, "samples", f"step_{step:07d}.gif"))


def _in_checkpoint_write(run: Run, workdir: str, steps: int, timing: Timing, rng: np.random.Generator) -> bool:
  """As soon as an asynchronous save's temporary directory appears: landed if it was still there."""
  run.wait_for_step(int(rng.integers(1, steps // 2)) * 2 - 1, timeout=600)
  deadline = time.time() + 600
  while time.time() < deadline and run.process.poll() is None and not _checkpoint_in_flight(workdir):
    time.sleep(0.002)
  time.sleep(rng.uniform(0, 0.02))
  return _checkpoint_in_flight(workdir)


# Phase -> a wait for a random moment of it, saying whether the moment was in the phase.
STRIKES = {
  "checkpoint write": _in_checkpoint_write,
  "train step": _in_train_step,
  "sampling": _in_sampling,
  "start-up": _in_start_up,
}


def run_trial(
  number: int, data_dir: str, root: str, steps: int, timing: Timing, reference: dict, rng: np.random.Generator
) -> Trial:
  workdir = os.path.join(root, f"trial_{number:02d}")
  shutil.rmtree(workdir, ignore_errors=True)
  sig = signal.SIGTERM if number % 3 == 2 else signal.SIGKILL
  phase = list(STRIKES)[number % len(STRIKES)]
  run = Run(train_command(workdir, data_dir, steps), os.path.join(root, f"trial_{number:02d}_killed.log"))
  in_phase = STRIKES[phase](run, workdir, steps, timing, rng)
  at = time.time() - run.start
  run.process.send_signal(sig)
  exit_code = run.finish()
  logged = run.logged_step()
  if run.first_step_seconds() is not None:  # A fresh run's start-up, as the next start-up kill meets it.
    timing.start_up = min(timing.start_up, run.first_step_seconds())
  restart = Run(train_command(workdir, data_dir, steps), os.path.join(root, f"trial_{number:02d}_restart.log"))
  if restart.finish() != 0:
    raise RuntimeError(f"trial {number}: the restart failed; see {restart.log.name}:\n{restart.text()[-2000:]}")
  resumed = RESUMED_LINE.search(restart.text())
  equal = steps in complete_steps(workdir) and equal_states(final_state(workdir, steps), reference)
  return Trial(number, sig.name, phase, at, in_phase, logged, exit_code, int(resumed.group(1)) if resumed else 0, equal)


def reference_run(data_dir: str, root: str, steps: int) -> tuple[dict, Timing]:
  workdir = os.path.join(root, "uninterrupted")
  shutil.rmtree(workdir, ignore_errors=True)
  run = Run(train_command(workdir, data_dir, steps), os.path.join(root, "uninterrupted.log"))
  if run.finish() != 0:
    raise RuntimeError(f"the uninterrupted run failed:\n{run.text()[-3000:]}")
  times = [t for t, line in run.lines if STEP_LINE.search(line)]
  timing = Timing(start_up=run.first_step_seconds(), step=min(b - a for a, b in zip(times, times[1:])))
  return final_state(workdir, steps), timing


def table(trials: list[Trial]) -> str:
  rows = [
    "| trial | signal | phase (landed in it) | at s | step logged | resumed from | steps lost | exit | equal |",
    "|---|---|---|---|---|---|---|---|---|",
  ]
  rows += [
    f"| {t.number} | {t.signal} | {t.phase} ({'yes' if t.in_phase else 'no'}) | {t.at_seconds:.1f} | "
    f"{t.logged_step} | {t.resumed_from} | {t.steps_lost} | {t.exit_code} | {'yes' if t.equal else 'NO'} |"
    for t in trials
  ]
  return "\n".join(rows)


def build_tiny(data_dir: str, root: str) -> None:
  subprocess.run(
    vidgan("build", "action_scenes", "--config=tiny", f"--data_dir={data_dir}"),
    cwd=REPO,
    env=env(root),
    check=True,
    capture_output=True,
  )


def check_videos(root: str) -> tuple[str, bool]:
  """The damaged-video set through `vidgan build text2video_real`; every outcome checked."""
  from vidgan_jax.datasets.text2video_real import damaged_videos

  manual, data = os.path.join(root, "damaged_videos"), os.path.join(root, "damaged_videos_data")
  shutil.rmtree(manual, ignore_errors=True)
  shutil.rmtree(data, ignore_errors=True)
  cases = damaged_videos.write_set(manual, copies=damaged_videos.FULL_SET_COPIES)
  start = time.time()
  build = subprocess.run(
    vidgan("build", "text2video_real", "--config=32px", f"--manual_dir={manual}", f"--data_dir={data}"),
    cwd=REPO,
    env=env(root),
    capture_output=True,
    text=True,
  )
  if build.returncode != 0:
    return f"videos: the build failed:\n{build.stderr[-3000:]}", False
  (report_path,) = glob.glob(os.path.join(data, "text2video_real", "32px", "*", "build_report.json"))
  with open(report_path) as f:
    report = json.load(f)
  skipped = {s["path"]: s["reason"] for s in report["skipped"]}
  wrong = damaged_videos.unexpected_outcomes(cases, skipped)
  bad = sum(not c.good for c in cases)
  line = (
    f"videos: {len(cases)} files ({bad} damaged of {len(set(c.kind for c in cases if not c.good))} kinds, "
    f"{len(cases) - bad} good) built in {time.time() - start:.0f} s: {report['kept']} kept, "
    f"{len(skipped)} skipped {report['skipped_by_reason']}; outcome other than expected: {wrong or 'none'}"
  )
  return line, not wrong


def check_prompts(root: str) -> tuple[str, bool]:
  """Each odd prompt through `vidgan sample --pretrained`: clips, or one error line; no traceback."""
  from benchmarks.reliability.odd_prompts import CLIPS, ODD_PROMPTS

  failures = []
  for i, odd in enumerate(ODD_PROMPTS):
    if "\x00" in odd.text:  # A command line cannot hold NUL: it goes through a prompt file.
      path = os.path.join(root, f"prompt_{i}.txt")
      with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(odd.text)
      argument = f"--prompt_file={path}".encode()
    else:
      argument = b"--prompt=" + odd.text.encode("utf-8", "surrogateescape")
    out = os.path.join(root, f"prompt_{i}")
    result = subprocess.run(
      [os.fsencode(a) for a in vidgan("sample", "--pretrained=action_scenes/32px", "--num=1", f"--out={out}")]
      + [argument],
      cwd=REPO,
      env=env(root),
      capture_output=True,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    ok = "Traceback" not in stderr and (result.returncode == 0) == (odd.outcome == CLIPS)
    if odd.message is not None:
      ok = ok and odd.message in stderr
    if not ok:
      failures.append(odd.name)
  line = (
    f"prompts: {len(ODD_PROMPTS)} odd prompts through `vidgan sample`: "
    f"{sum(p.outcome == CLIPS for p in ODD_PROMPTS)} gave clips, the others one error line; "
    f"not as expected: {failures or 'none'}"
  )
  return line, not failures


def check_bitflips(root: str, trials: int, rng: np.random.Generator) -> tuple[str, bool]:
  """`trials` single-bit flips in copies of the uninterrupted run's newest checkpoint: each caught?"""
  from vidgan_jax import checkpoints, checksums

  source = str(checkpoints.resolve_step_dir(os.path.join(root, "uninterrupted")))
  names = sorted(checksums.digests(source))
  sizes = np.array([os.path.getsize(os.path.join(source, n)) for n in names], float)
  caught, where = 0, collections.Counter()
  for trial in range(trials):
    copy = os.path.join(root, "bitflip", str(trial))
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy)
    name = names[rng.choice(len(names), p=sizes / sizes.sum())]
    offset = int(rng.integers(os.path.getsize(os.path.join(copy, name))))
    with open(os.path.join(copy, name), "r+b") as f:
      f.seek(offset)
      byte = f.read(1)[0]
      f.seek(offset)
      f.write(bytes([byte ^ (1 << int(rng.integers(8)))]))
    try:
      checksums.verify(copy)
    except checksums.DamagedCheckpoint:
      caught += 1
    where["/".join(name.split("/")[:2])] += 1
    shutil.rmtree(copy)
  line = (
    f"bit flips: {trials} single-bit flips at random offsets of a checkpoint's files "
    f"({', '.join(f'{n} in {k}' for k, n in sorted(where.items()))}): {caught} caught by its checksums"
  )
  return line, caught == trials


def check_replicas(root: str, trials: int) -> tuple[str, bool]:
  """`benchmarks/reliability/replica_flips.py` in its own process (8 fake devices): every flip caught?"""
  command = [sys.executable, "-m", "benchmarks.reliability.replica_flips", f"--trials={trials}"]
  result = subprocess.run(command, cwd=REPO, env=env(root), capture_output=True, text=True)
  lines = (result.stdout or result.stderr).strip().splitlines()
  return (lines[-1] if lines else "perturbed replicas: no output"), result.returncode == 0


def alive(pid: int) -> bool:
  """Running (a zombie, dead but not yet reaped by its new parent, counts as gone)."""
  try:
    with open(f"/proc/{pid}/stat") as f:
      return f.read().rsplit(")", 1)[1].split()[0] != "Z"
  except FileNotFoundError:
    return False


def descendants(pid: int) -> set[int]:
  """The processes `pid` started, and theirs (read from /proc)."""
  parents = {}
  for entry in filter(str.isdigit, os.listdir("/proc")):
    try:
      with open(f"/proc/{entry}/stat") as f:
        parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError):
      continue
  found, frontier = set(), {pid}
  while frontier:
    frontier = {child for child, parent in parents.items() if parent in frontier} - found
    found |= frontier
  return found


def survivors(pids: set[int], seconds: float = 5.0) -> set[int]:
  """Those of `pids` still running after up to `seconds`."""
  deadline = time.time() + seconds
  while time.time() < deadline and any(alive(p) for p in pids):
    time.sleep(0.2)
  return {p for p in pids if alive(p)}


def check_orphans(root: str, data_dir: str, trials: int, rng: np.random.Generator) -> tuple[str, bool]:
  """SIGKILL of train, build and eval (in turn) at a random second of their first 20: what is left?"""
  commands = {
    "train": train_command(os.path.join(root, "orphans_run"), data_dir, 100_000) + ["--config.input_workers=2"],
    "build": vidgan("build", "action_scenes", "--config=16px", f"--data_dir={os.path.join(root, 'orphans_data')}"),
    "eval": vidgan(
      "eval", f"--workdir={os.path.join(root, 'uninterrupted')}", f"--out={os.path.join(root, 'orphans')}"
    ),
  }
  counts = collections.Counter()
  left = 0
  for trial in range(trials):
    name = list(commands)[trial % len(commands)]
    shutil.rmtree(os.path.join(root, "orphans_run"), ignore_errors=True)
    shutil.rmtree(os.path.join(root, "orphans_data"), ignore_errors=True)
    process = subprocess.Popen(
      commands[name], cwd=REPO, env=env(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + rng.uniform(1, 20)
    children = set()
    while time.time() < deadline and process.poll() is None:
      children |= descendants(process.pid)
      time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    left_now = survivors(children)
    for pid in left_now:
      os.kill(pid, signal.SIGKILL)
    counts[name] += 1
    left += len(left_now)
  line = (
    f"orphans: {trials} SIGKILLs at random moments ({', '.join(f'{n} of {k}' for k, n in counts.items())}): "
    f"{left} processes left behind"
  )
  return line, left == 0


def check_args(root: str) -> tuple[str, bool]:
  """Each ordinary mistake of benchmarks/reliability/odd_args.py: a non-zero exit and one line, no traceback."""
  from benchmarks.reliability.odd_args import ODD_ARGS, run_case, scratch

  folder = os.path.join(root, "odd_args")
  shutil.rmtree(folder, ignore_errors=True)
  os.makedirs(folder)
  names = scratch(folder)
  failures = [case.name for case in ODD_ARGS if not run_case(case, names)[0]]
  commands = sorted({case.args[0] for case in ODD_ARGS})
  line = (
    f"odd arguments: {len(ODD_ARGS)} ordinary mistakes on {', '.join(commands)}: "
    f"{len(ODD_ARGS) - len(failures)} answered in one line with no traceback; not as expected: {failures or 'none'}"
  )
  return line, not failures


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--trials", type=int, default=20)
  parser.add_argument("--steps", type=int, default=8, help="training steps per run")
  parser.add_argument("--seed", type=int, default=0)
  parser.add_argument("--workdir", default=os.path.join(REPO, "workdirs", "chaos"))
  parser.add_argument("--data_dir", default=None, help="a data_dir with action_scenes/tiny (built when absent)")
  parser.add_argument("--videos", action="store_true", help="also build the damaged-video set")
  parser.add_argument("--prompts", action="store_true", help="also sample every odd prompt")
  parser.add_argument("--args", action="store_true", help="also give every command the ordinary mistakes")
  parser.add_argument("--bitflips", type=int, default=0, help="single-bit flips in checkpoint copies to try")
  parser.add_argument("--replicas", type=int, default=0, help="single-bit flips in one device's state copy to try")
  parser.add_argument("--orphans", type=int, default=0, help="SIGKILLs of train, build and eval, counting leftovers")
  args = parser.parse_args()
  if args.steps < 6:
    parser.error("--steps must be at least 6 (two checkpoints and a sample before the end)")
  args.workdir = os.path.abspath(args.workdir)  # Orbax reads absolute paths only.
  os.makedirs(args.workdir, exist_ok=True)
  data_dir = args.data_dir or os.path.join(args.workdir, "data")
  if not glob.glob(os.path.join(data_dir, "action_scenes", "tiny", "*", "dataset_info.json")):
    build_tiny(data_dir, args.workdir)
  rng = np.random.default_rng(args.seed)
  reference, timing = reference_run(data_dir, args.workdir, args.steps)
  print(f"uninterrupted run: first step after {timing.start_up:.1f} s; a bare step {timing.step:.2f} s", flush=True)
  trials = []
  for number in range(args.trials):
    trials.append(run_trial(number, data_dir, args.workdir, args.steps, timing, reference, rng))
    t = trials[-1]
    print(
      f"trial {number}: {t.signal} in {t.phase} at {t.at_seconds:.1f} s, resumed from step {t.resumed_from}, "
      f"equal: {t.equal}",
      flush=True,
    )
  lost = [t.steps_lost for t in trials]
  lines = [
    table(trials),
    "",
    f"{sum(t.equal for t in trials)}/{len(trials)} equal; "
    f"{sum(t.in_phase for t in trials)}/{len(trials)} kills landed in the phase aimed at; "
    f"steps lost: {sum(lost)} in all, at most {max(lost, default=0)}",
  ]
  ok = all(t.equal for t in trials)
  for wanted, check in ((args.videos, check_videos), (args.prompts, check_prompts), (args.args, check_args)):
    if wanted:
      line, passed = check(args.workdir)
      lines.append(line)
      ok = ok and passed
  if args.bitflips:
    line, passed = check_bitflips(args.workdir, args.bitflips, rng)
    lines.append(line)
    ok = ok and passed
  if args.orphans:
    line, passed = check_orphans(args.workdir, data_dir, args.orphans, rng)
    lines.append(line)
    ok = ok and passed
  if args.replicas:
    line, passed = check_replicas(args.workdir, args.replicas)
    lines.append(line)
    ok = ok and passed
  report = "\n".join(lines)
  with open(os.path.join(args.workdir, "chaos.md"), "w") as f:
    f.write(report + "\n")
  print(report)
  sys.exit(0 if ok else 1)


if __name__ == "__main__":
  main()
