"""Joining JAX's distributed runtime (one process per host: a TPU VM worker, a SLURM task, ...),
and moving the replicated train state between the host, the local devices and checkpoints.

Every process runs the same `vidgan train`; `jax.distributed.initialize` connects them, after which
`jax.devices()` lists the devices of all hosts and the pmapped step's `lax.pmean` over `AXIS`
spans them.
"""

import jax
import numpy as np

AXIS = "batch"  # The pmapped step's device axis.


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


def replicate(tree):
  """Copies `tree` to every local device, laid out exactly like the pmapped step's outputs.

  (`flax.jax_utils.replicate` gives another mesh axis name, which makes pmap compile the step a
  second time when it is fed its own outputs.)
  """
  # Through host memory: restored arrays are committed to one device, which pmap would refuse.
  stacked = jax.tree.map(lambda x: np.broadcast_to(np.asarray(x), (jax.local_device_count(),) + np.shape(x)), tree)
  return jax.pmap(lambda x: x, axis_name=AXIS)(stacked)


def unreplicate(tree):
  """The first local device's copy of a replicated tree, as an array on that one device.

  (`x[0]` would give an array spread over all devices, which then cannot meet single-device
  arrays in one computation.)
  """
  return jax.tree.map(lambda x: x.addressable_data(0)[0], tree)


def replicated_sharding() -> jax.sharding.NamedSharding:
  """One copy on every device of every process: how a checkpoint's state is restored."""
  return jax.sharding.NamedSharding(jax.sharding.Mesh(np.array(jax.devices()), (AXIS,)), jax.sharding.PartitionSpec())


def to_host(replicated_tree):
  """The pmapped step's per-device copies [local_devices, ...] as one numpy copy in host memory,
  which orbax writes once (from process 0); it restores as the replicated arrays of
  `replicated_sharding`. (Global jax.Arrays made from the copies cost a compiled reshape per
  array and device, and a transfer per copy: seconds per save of the tiny model on 8 devices.)"""
  return jax.device_get(jax.tree.map(lambda x: x.addressable_data(0)[0], replicated_tree))
