"""Single-bit flips in one device's copy of a train state, and whether the replica check catches them.

    python -m benchmarks.reliability.replica_flips [--config=experiments/tiny.py] [--trials=20] [--devices=8] [--seed=0]

Builds the config's initial train state, copies it to `--devices` fake CPU devices (set before JAX
starts), and per trial flips one random bit of one random array element on one random device
(leaves chosen by size), then runs `vidgan_jax.replicas.check`. Prints the count caught and the
seconds one check takes; exits 1 if a flip went unseen. `make chaos` runs it.
"""

import argparse
import os
import sys
import time


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--config", default="experiments/tiny.py")
  parser.add_argument("--trials", type=int, default=20)
  parser.add_argument("--devices", type=int, default=8)
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={args.devices}"  # Before JAX starts.
  import jax
  import numpy as np

  from vidgan_jax import replicas
  from vidgan_jax.configs import load_config_file
  from vidgan_jax.distributed import AXIS
  from vidgan_jax.models import build_models
  from vidgan_jax.train_step import create_train_state

  config = load_config_file(args.config)
  state = create_train_state(config, *build_models(config, config.text.vocab_size))
  leaves, treedef = jax.tree.flatten(jax.device_get(state))
  leaves = [np.array(np.broadcast_to(x, (args.devices,) + np.shape(x))) for x in leaves]
  sizes = np.array([x[0].nbytes for x in leaves], float)
  rng = np.random.default_rng(args.seed)
  to_devices = jax.pmap(lambda x: x, axis_name=AXIS)
  replicas.check(to_devices(jax.tree.unflatten(treedef, leaves)), step=0)  # Compiles; equal copies pass.
  caught, seconds = 0, []
  for trial in range(args.trials):
    index, device = int(rng.choice(len(leaves), p=sizes / sizes.sum())), int(rng.integers(args.devices))
    flipped = [x.copy() if i == index else x for i, x in enumerate(leaves)]
    raw = flipped[index][device : device + 1].view(np.uint8).reshape(-1)
    raw[rng.integers(raw.size)] ^= np.uint8(1 << int(rng.integers(8)))
    replicated = to_devices(jax.tree.unflatten(treedef, flipped))
    start = time.perf_counter()
    try:
      replicas.check(replicated, step=trial)
    except replicas.ReplicasDiverged as e:
      caught += f"device {device} of process 0" in str(e)
    seconds.append(time.perf_counter() - start)
  print(
    f"perturbed replicas: {args.trials} single-bit flips on one of {args.devices} devices' copies of the "
    f"{os.path.basename(args.config)} train state ({sum(sizes) / 2**20:.1f} MiB): {caught} caught, each named; "
    f"a check takes {1e3 * float(np.median(seconds)):.0f} ms (median)"
  )
  sys.exit(0 if caught == args.trials else 1)


if __name__ == "__main__":
  main()
