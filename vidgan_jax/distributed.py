"""Joining JAX's distributed runtime: one process per host (a TPU VM worker, a SLURM task, ...).

Every process runs the same `vidgan train`; `jax.distributed.initialize` connects them, after which
`jax.devices()` lists the devices of all hosts and the pmapped step's `lax.pmean` spans them.
"""

import jax


def initialize(
  *,
  multihost: bool,
  coordinator_address: str | None,
  num_processes: int | None,
  process_id: int | None,
  heartbeat_timeout_seconds: int,
) -> None:
  """Connects this process to the others, or does nothing for a single-process run.

  With `coordinator_address` (then `num_processes` and `process_id` too) the cluster is given
  explicitly; with `multihost` alone, JAX detects it (Cloud TPU VM pods, SLURM, Open MPI,
  Kubernetes). `heartbeat_timeout_seconds` bounds how long the survivors wait for a dead process.
  """
  explicit = (coordinator_address, num_processes, process_id)
  if any(v is not None for v in explicit) and any(v is None for v in explicit):
    raise ValueError(
      "--coordinator_address, --num_processes and --process_id go together: give all three "
      "(or only --multihost on a TPU pod / SLURM cluster, where JAX finds them)"
    )
  if not multihost and coordinator_address is None:
    return
  # CPU-only clusters (and tests on one machine) need a cross-process collective library.
  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  jax.distributed.initialize(
    coordinator_address, num_processes, process_id, heartbeat_timeout_seconds=heartbeat_timeout_seconds
  )
