"""What the checkpoint checksums cost: hashing a checkpoint's files (done once after its save, and
again before every read) beside restoring its train state, on the same files in one process.

    python -m benchmarks.reliability.checksum_cost WORKDIR [--repeats=3]

Prints the checkpoint's size and the median seconds of `checksums.digests` and of orbax's restore
of the state (the arrays read into host memory).
"""

import argparse
import statistics
import time

import orbax.checkpoint as ocp

from vidgan_jax import checkpoints, checksums


def _median_seconds(action, repeats: int) -> float:
  seconds = []
  for _ in range(repeats):
    start = time.perf_counter()
    action()
    seconds.append(time.perf_counter() - start)
  return statistics.median(seconds)


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("workdir")
  parser.add_argument("--repeats", type=int, default=3)
  args = parser.parse_args()
  step_dir = checkpoints.resolve_step_dir(args.workdir)
  files = checksums.digests(step_dir)
  size = sum((step_dir / name).stat().length for name in files)
  hashing = _median_seconds(lambda: checksums.digests(step_dir), args.repeats)
  restoring = _median_seconds(lambda: ocp.StandardCheckpointer().restore(step_dir / checkpoints.STATE), args.repeats)
  print(
    f"checkpoint {step_dir}: {len(files)} files, {size / 2**20:.1f} MiB; checksums {hashing:.3f} s "
    f"({size / 2**20 / hashing:.0f} MiB/s); restoring the state {restoring:.3f} s; "
    f"the check adds {hashing / restoring:.0%} to a restore"
  )


if __name__ == "__main__":
  main()
