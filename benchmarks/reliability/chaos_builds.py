"""Builds killed part-way, damaged after the fact, or out of disk: `make chaos`'s build classes.

    python -m benchmarks.reliability.chaos_builds [--trials=10] [--seed=0] [--workdir=workdirs/chaos_builds]
        [--datasets=action_scenes/tiny,text2video_real/tiny]

Each dataset is built once with `vidgan build` as typed (text2video_real from a folder of small
generated videos). Then, per dataset and `--trials` times each:
- killed: the same build command, SIGKILLed at a random moment of a build's duration; the build
  must not look complete (TFDS's `is_prepared`, and training's `ensure_built` refuses it) unless
  the kill came after TFDS renamed the finished build into place, when its records must equal the
  clean build's; the same command again must give the clean build's records, example for example;
- damaged: a copy of the clean build with one damage (a shard cut to a random length, a missing
  shard, a count in dataset_info.json that lies, a flipped bit at a random offset), read through
  `input_pipeline.open_split` as training reads it: the outcome must be a `DamagedBuildError`
  naming the file or the record and the rebuild command, or records equal to the clean ones (a
  flip in bytes that no record uses); anything else (another exception, records silently
  different) counts as wrong;
- full disk (where a mount namespace is allowed): the build on a tmpfs sized at a random fraction
  of the clean build; one line naming the file, and nothing left that looks complete.
Prints one line per class and dataset and writes them to `<workdir>/chaos_builds.md`; exits 1 if
any outcome is wrong.
"""

import argparse
import collections
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASETS = ("action_scenes/tiny", "text2video_real/tiny")
DAMAGES = ("cut", "missing", "lying count", "flipped bit")
REAL_CATEGORIES = ("playing golf", "sailing", "swimming")


def vidgan(*args: str) -> list[str]:
  return [os.path.join(os.path.dirname(sys.executable), "vidgan"), *args]


def _env() -> dict:
  return {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}


def write_real_videos(manual_dir: str, clips: int = 24) -> None:
  """`clips` small generated videos and their videos.csv (3 categories, every split)."""
  from vidgan_jax.datasets.text2video_real.fake_videos import moving_square_frames, write_video

  os.makedirs(manual_dir, exist_ok=True)
  rows = ["path,caption,category,split"]
  for i in range(clips):
    category = REAL_CATEGORIES[i % len(REAL_CATEGORIES)]
    split = ("train", "train", "validation", "test")[i % 4]
    colour = (40 + 50 * (i % 4), 200 - 40 * (i % 5), 30 * (i % 7))
    write_video(os.path.join(manual_dir, f"clip_{i}.mp4"), moving_square_frames(12, 32, 32, colour), fps=8)
    rows.append(f"clip_{i}.mp4,video {i} of {category},{category},{split}")
  with open(os.path.join(manual_dir, "videos.csv"), "w") as f:
    f.write("\n".join(rows) + "\n")


def build_command(dataset: str, data_dir: str, manual_dir: str) -> list[str]:
  name, config = dataset.split("/")
  manual = [f"--manual_dir={manual_dir}"] if name == "text2video_real" else []
  return vidgan("build", name, f"--config={config}", f"--data_dir={data_dir}", *manual)


def _builder(dataset: str, data_dir: str):
  from vidgan_jax import input_pipeline

  return input_pipeline.load_builder(dataset, data_dir)


def read_records(dataset: str, data_dir: str) -> dict[str, list[dict]]:
  """Every record of every split, as training reads them (`input_pipeline.open_split`)."""
  from vidgan_jax import input_pipeline

  builder = _builder(dataset, data_dir)
  return {split: list(input_pipeline.open_split(builder, split)) for split in builder.info.splits}


def equal_records(a: dict[str, list[dict]], b: dict[str, list[dict]]) -> bool:
  return a.keys() == b.keys() and all(
    len(a[s]) == len(b[s])
    and all(x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x) for x, y in zip(a[s], b[s]))
    for s in a
  )


def killed_trial(dataset: str, root: str, manual_dir: str, clean: dict, seconds: float, rng) -> tuple[bool, str]:
  """(as expected, what happened) for one build killed at a random moment, then run again."""
  from vidgan_jax import input_pipeline

  data_dir = os.path.join(root, "killed")
  shutil.rmtree(data_dir, ignore_errors=True)
  command = build_command(dataset, data_dir, manual_dir)
  process = subprocess.Popen(command, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  time.sleep(rng.uniform(0.02, 0.8) * seconds)  # Later builds run faster than the first (warm caches).
  finished_first = process.poll() is not None
  process.send_signal(signal.SIGKILL)
  process.wait(timeout=120)
  if not finished_first:
    builder = _builder(dataset, data_dir)
    try:
      input_pipeline.ensure_built(builder, build_if_missing=False)
    except FileNotFoundError:
      if builder.is_prepared():
        return False, "TFDS sees a killed build as prepared"
    else:  # Killed after TFDS renamed the finished build into place: it must be whole.
      if not equal_records(read_records(dataset, data_dir), clean):
        return False, "a killed build was opened as complete and differs from the clean build"
      return True, "killed after it was complete; equal"
  subprocess.run(command, cwd=REPO, env=_env(), check=True, capture_output=True, timeout=1800)
  if not equal_records(read_records(dataset, data_dir), clean):
    return False, "the rebuilt dataset differs from the clean build"
  return True, "finished before the kill" if finished_first else "not complete; rebuilt equal"


def _damage(damage: str, version_dir: str, rng) -> str:
  """Applies `damage` to a random shard of the build in `version_dir`; returns that shard."""
  shards = sorted(glob.glob(os.path.join(version_dir, "*.array_record-*")))
  shard = shards[rng.integers(len(shards))]
  size = os.path.getsize(shard)
  if damage == "cut":
    with open(shard, "r+b") as f:
      f.truncate(int(rng.integers(0, size)))
  elif damage == "missing":
    os.remove(shard)
  elif damage == "lying count":
    info_path = os.path.join(version_dir, "dataset_info.json")
    with open(info_path) as f:
      info = json.load(f)
    split = next(s for s in info["splits"] if f"-{s['name']}.array_record" in shard)
    split["shardLengths"] = [str(int(n) + int(rng.integers(1, 6))) for n in split["shardLengths"]]
    with open(info_path, "w") as f:
      json.dump(info, f)
  else:
    with open(shard, "r+b") as f:
      f.seek(int(rng.integers(0, size)))
      byte = f.read(1)
      f.seek(-1, os.SEEK_CUR)
      f.write(bytes([byte[0] ^ (1 << int(rng.integers(8)))]))
  return shard


def damaged_trial(dataset: str, root: str, clean_dir: str, clean: dict, damage: str, rng) -> tuple[bool, str]:
  """(as expected, outcome) of reading a copy of the clean build with one damage."""
  from vidgan_jax import build_checks

  data_dir = os.path.join(root, "damaged")
  shutil.rmtree(data_dir, ignore_errors=True)
  shutil.copytree(clean_dir, data_dir)
  (version_dir,) = glob.glob(os.path.join(data_dir, dataset, "*"))
  shard = _damage(damage, version_dir, rng)
  try:
    records = read_records(dataset, data_dir)
  except build_checks.DamagedBuildError as e:
    message = str(e)
    named = shard in message or "record " in message
    return named and "--overwrite" in message and "\n" not in message, f"{damage}: named"
  except Exception as e:  # noqa: BLE001  (any other failure is the wrong outcome, reported)
    return False, f"{damage}: {type(e).__name__}: {str(e)[:200]}"
  if equal_records(records, clean):
    return True, f"{damage}: read equal"
  return False, f"{damage}: records differ silently"


def mount_namespaces_allowed() -> bool:
  if shutil.which("unshare") is None:
    return False
  return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


def full_disk_trial(dataset: str, root: str, manual_dir: str, clean_bytes: int, rng) -> tuple[bool, str]:
  """(as expected, outcome) of the build on a tmpfs too small for it."""
  data_dir = os.path.join(root, "full_disk")
  shutil.rmtree(data_dir, ignore_errors=True)
  os.makedirs(data_dir)
  kib = max(64, int(rng.uniform(0.1, 0.9) * clean_bytes / 1024))
  build = " ".join(build_command(dataset, data_dir, manual_dir))
  script = f"mount -t tmpfs -o size={kib}k tmpfs {data_dir} && {build} 2>&1 >/dev/null | tail -n 1; find {data_dir}"
  result = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=REPO, env=_env(), capture_output=True, text=True)
  lines = result.stdout.splitlines()  # The build's last stderr line (after progress bar redraws), then `find`.
  last = next((line[line.find("vidgan build: ") :] for line in lines if "vidgan build: " in line), lines[:1])
  one_line = str(last).startswith("vidgan build: the disk is full (") and "Traceback" not in result.stdout
  left = [path for path in lines if path.startswith(data_dir) and ("dataset_info.json" in path or "incomplete" in path)]
  if one_line and not left:
    return True, "one line, nothing complete"
  return False, f"{kib} KiB: " + (f"left {left}" if one_line else str(last)[-200:])


def run_dataset(dataset: str, root: str, trials: int, rng, lines: list[str]) -> bool:
  """Every class for one dataset; appends its lines; True if every outcome was as expected."""
  root = os.path.join(root, dataset.replace("/", "_"))
  shutil.rmtree(root, ignore_errors=True)
  manual_dir = os.path.join(root, "manual")
  write_real_videos(manual_dir)
  clean_dir = os.path.join(root, "clean")
  start = time.time()
  subprocess.run(build_command(dataset, clean_dir, manual_dir), cwd=REPO, env=_env(), check=True, capture_output=True)
  seconds = time.time() - start
  clean = read_records(dataset, clean_dir)
  clean_bytes = sum(os.path.getsize(p) for p in glob.glob(os.path.join(clean_dir, dataset, "*", "*")))
  results = {
    "killed": [killed_trial(dataset, root, manual_dir, clean, seconds, rng) for _ in range(trials)],
    "damaged": [damaged_trial(dataset, root, clean_dir, clean, DAMAGES[i % 4], rng) for i in range(trials)],
  }
  if mount_namespaces_allowed():
    results["full disk"] = [full_disk_trial(dataset, root, manual_dir, clean_bytes, rng) for _ in range(trials)]
  else:
    lines.append(f"{dataset}: full disk not tried (this machine allows no mount namespace: `unshare -m`)")
  records = sum(len(r) for r in clean.values())
  for name, outcomes in results.items():
    counts = collections.Counter(outcome for ok, outcome in outcomes if ok)
    wrong = [outcome for ok, outcome in outcomes if not ok]
    lines.append(
      f"{dataset} ({records} records, built in {seconds:.0f} s): {name}: "
      f"{len(outcomes) - len(wrong)}/{len(outcomes)} as expected {dict(counts)}; wrong: {wrong or 'none'}"
    )
    print(lines[-1], flush=True)
  return all(ok for outcomes in results.values() for ok, _ in outcomes)


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--trials", type=int, default=10, help="trials per class and dataset")
  parser.add_argument("--seed", type=int, default=0)
  parser.add_argument("--workdir", default=os.path.join(REPO, "workdirs", "chaos_builds"))
  parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated, from " + ", ".join(DATASETS))
  args = parser.parse_args()
  datasets = args.datasets.split(",")
  unknown = sorted(set(datasets) - set(DATASETS))
  if unknown or args.trials < 1:
    parser.error(f"--datasets takes {', '.join(DATASETS)} (got {unknown}); --trials must be >= 1")
  root = os.path.abspath(args.workdir)
  rng = np.random.default_rng(args.seed)
  lines: list[str] = []
  ok = all([run_dataset(dataset, root, args.trials, rng, lines) for dataset in datasets])
  with open(os.path.join(root, "chaos_builds.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
  sys.exit(0 if ok else 1)


if __name__ == "__main__":
  main()
