"""A fixed set of ordinary mistakes on every `vidgan` command, and the one line each must give.

    python -m benchmarks.reliability.odd_args [--out=workdirs/odd_args.md]

Each case runs the console script as a user types it, in a fresh process, against a scratch folder
holding a file, an empty folder, a broken experiment file and a path that does not exist. Each must
end with a non-zero exit code and exactly one line on stderr that names the problem (the fragment
below), with no traceback. tests/test_odd_args.py runs the whole set; `python -m benchmarks.reliability.chaos
--args` counts it in its summary.
"""

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDGAN = os.path.join(os.path.dirname(sys.executable), "vidgan")  # The console script pip installed.
PROMPT = "--prompt=a man plays golf on the grass"
NO_CHECKPOINT = "give a workdir that `vidgan train --workdir=...` has checkpointed"


@dataclasses.dataclass(frozen=True)
class OddArgs:
  name: str
  args: tuple[str, ...]  # After `vidgan`; {file}, {empty}, {missing}, {bad_config} name the scratch paths.
  message: str  # A fragment the one error line must hold.


ODD_ARGS = (
  OddArgs("train: config file missing", ("train", "--config={missing}.py", "--workdir={missing}"), "no such file"),
  OddArgs("train: config is a folder", ("train", "--config={empty}", "--workdir={missing}"), "is a folder, not a file"),
  OddArgs("train: config does not parse", ("train", "--config={bad_config}", "--workdir={missing}"), "SyntaxError"),
  OddArgs(
    "train: unknown config key",
    ("train", "--config=experiments/tiny.py", "--workdir={missing}", "--config.batchsize=4"),
    "names no config key: 'batchsize'; did you mean 'batch_size'?",
  ),
  OddArgs(
    "train: value out of range",
    ("train", "--config=experiments/tiny.py", "--workdir={missing}", "--config.batch_size=-3"),
    "it must be > 0",
  ),
  OddArgs("train: workdir is a file", ("train", "--config=experiments/tiny.py", "--workdir={file}"), "is not writable"),
  OddArgs("bench: config file missing", ("bench", "--config={missing}.py"), "no such file"),
  OddArgs("bench: config does not parse", ("bench", "--config={bad_config}"), "SyntaxError"),
  OddArgs("sample: workdir missing", ("sample", "--workdir={missing}", PROMPT, "--out={missing}"), "does not exist"),
  OddArgs("sample: workdir empty", ("sample", "--workdir={empty}", PROMPT, "--out={missing}"), "holds no checkpoint"),
  OddArgs("sample: workdir is a file", ("sample", "--workdir={file}", PROMPT, "--out={missing}"), "is a file"),
  OddArgs("sample: out is a file", ("sample", "--pretrained=action_scenes/32px", PROMPT, "--out={file}"), "is a file"),
  OddArgs(
    "sample: prompt file missing",
    ("sample", "--pretrained=action_scenes/32px", "--prompt_file={missing}", "--out={missing}"),
    "cannot read the prompt file",
  ),
  OddArgs(
    "sample: unknown pretrained name",
    ("sample", "--pretrained=action_scenes/8px", PROMPT, "--out={missing}"),
    "no pretrained generator",
  ),
  OddArgs(
    "sample: clip count out of range",
    ("sample", "--pretrained=action_scenes/32px", PROMPT, "--num=0", "--out={missing}"),
    "--num",
  ),
  OddArgs("sample: no generator named", ("sample", PROMPT, "--out={missing}"), "give exactly one of"),
  OddArgs("eval: workdir missing", ("eval", "--workdir={missing}"), "does not exist"),
  OddArgs("eval: workdir empty", ("eval", "--workdir={empty}"), "holds no checkpoint"),
  OddArgs("eval: out is a file", ("eval", "--pretrained=action_scenes/32px", "--out={file}"), "is a file"),
  OddArgs("eval: eval config does not parse", ("eval", "--workdir={empty}", "--config={bad_config}"), "SyntaxError"),
  OddArgs("eval: clips per pair out of range", ("eval", "--workdir={empty}", "--num_per_pair=1"), "--num_per_pair"),
  OddArgs("export: workdir missing", ("export", "--workdir={missing}", "--out={missing}"), "does not exist"),
  OddArgs("export: workdir empty", ("export", "--workdir={empty}", "--out={missing}"), "holds no checkpoint"),
  OddArgs("export: no output given", ("export", "--workdir={empty}"), "--out"),
  OddArgs("inspect: path missing", ("inspect", "{missing}"), "no checkpoint found"),
  OddArgs("inspect: path is a file", ("inspect", "{file}"), "no checkpoint found"),
  OddArgs("inspect: unknown pretrained name", ("inspect", "--pretrained=action_scenes/8px"), "no pretrained generator"),
  OddArgs("build: unknown builder", ("build", "action_scene", "--data_dir={missing}"), "no builder named"),
  OddArgs(
    "build: unknown builder config",
    ("build", "action_scenes", "--config=48px", "--data_dir={missing}"),
    "has no config '48px'",
  ),
  OddArgs("unknown command", ("trian",), "unknown command"),
)


def scratch(folder: str) -> dict:
  """The scratch paths the cases name, made under `folder`."""
  names = {key: os.path.join(folder, key) for key in ("file", "empty", "missing", "bad_config")}
  open(names["file"], "w").close()
  os.mkdir(names["empty"])
  names["bad_config"] += ".py"
  with open(names["bad_config"], "w") as f:
    f.write("def get_config(:\n")
  return names


def run_case(case: OddArgs, names: dict) -> tuple[bool, str, float]:
  """(whether the case gave one line holding its message and a non-zero exit, that stderr, seconds)."""
  env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "VIDGAN_DEBUG")}
  command = [VIDGAN, *(arg.format(**names) for arg in case.args)]
  start = time.monotonic()
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
  # Our log lines (time, level) may come before the error; the error itself is one line.
  lines = [line for line in result.stderr.splitlines() if line.strip() and " INFO " not in line[:20]]
  ok = result.returncode != 0 and len(lines) == 1 and case.message in lines[0] and "Traceback" not in result.stderr
  return ok, result.stderr.strip(), time.monotonic() - start


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--out", default=os.path.join(REPO, "workdirs", "odd_args.md"))
  args = parser.parse_args()
  rows, failed = ["| case | one line | seconds |", "|---|---|---|"], 0
  with tempfile.TemporaryDirectory() as folder:
    names = scratch(folder)
    for case in ODD_ARGS:
      ok, stderr, seconds = run_case(case, names)
      failed += not ok
      shown = stderr.replace(folder, "<scratch>").replace("\n", " ⏎ ").replace("|", "\\|")
      rows.append(f"| {case.name} | {'yes' if ok else 'NO'}: `{shown[:300]}` | {seconds:.1f} |")
      print(f"{'ok  ' if ok else 'FAIL'} {case.name}: {shown[:200]}", flush=True)
  summary = f"{len(ODD_ARGS) - failed}/{len(ODD_ARGS)} ordinary mistakes answered in one line, no traceback"
  os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
  with open(args.out, "w") as f:
    f.write(summary + "\n\n" + "\n".join(rows) + "\n")
  print(f"{summary}; table in {args.out}")
  sys.exit(1 if failed else 0)


if __name__ == "__main__":
  main()
