"""A check that every device holds the same train state.

The pmapped step keeps the copies equal by construction (every device applies the same averaged
gradients), so a copy that differs means damage no one would see otherwise: a flipped bit in a
device's memory, a faulty chip, a collective gone wrong. Every `config.replica_check_every_steps`
steps and before every checkpoint, each device digests its copy and the digests are compared
across devices and processes; a difference stops the run before anything of it is saved.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils


class ReplicasDiverged(RuntimeError):
  """A device whose copy of the train state differs from the first device's."""


def _leaf_digest(leaf: jax.Array) -> jax.Array:
  """uint32: the wrapping sum of the leaf's bits, read as unsigned integers of its width (a single
  flipped bit changes it)."""
  if leaf.dtype == jnp.bool_:
    bits = leaf.astype(jnp.uint32)
  else:
    bits = jax.lax.bitcast_convert_type(leaf, jnp.dtype(f"uint{leaf.dtype.itemsize * 8}"))
  return jnp.sum(bits.astype(jnp.uint32), dtype=jnp.uint32)


def _tree_digest(tree) -> jax.Array:
  """uint32 of one device's copy: the leaves' digests, each weighted by an odd number of its own
  so that two leaves' changes do not trade places."""
  digests = [_leaf_digest(leaf) * jnp.uint32(2 * i + 1) for i, leaf in enumerate(jax.tree.leaves(tree))]
  return jnp.sum(jnp.stack(digests), dtype=jnp.uint32)


_digest = jax.jit(_tree_digest)


def local_digests(replicated_state) -> np.ndarray:
  """uint32 [local_devices]: each local device's digest of its own copy, computed on that device
  (no collective: with several processes, each digests only what it holds)."""
  leaves, treedef = jax.tree.flatten(replicated_state)
  shards = [sorted(leaf.addressable_shards, key=lambda shard: shard.device.id) for leaf in leaves]
  copies = [jax.tree.unflatten(treedef, [leaf_shards[d].data for leaf_shards in shards]) for d in range(len(shards[0]))]
  return np.array([np.asarray(_digest(copy)) for copy in copies], np.uint32)


def check(replicated_state, step: int) -> None:
  """Raises ReplicasDiverged naming the step and each device (and process) whose copy of
  `replicated_state` ([local_devices, ...] leaves, as the pmapped step returns it) differs from
  device 0 of process 0. Every process must call it (the digests are gathered across processes)."""
  local = local_digests(replicated_state)
  digests = multihost_utils.process_allgather(local) if jax.process_count() > 1 else local[None]
  reference = digests[0, 0]
  diverged = [(int(p), int(d)) for p, d in zip(*np.nonzero(digests != reference))]
  if diverged:
    where = ", ".join(f"device {d} of process {p} (digest {digests[p, d]:08x})" for p, d in diverged)
    raise ReplicasDiverged(
      f"step {step}: the train state on {where} differs from device 0 of process 0 (digest {reference:08x}); "
      "the run stops before its next checkpoint, so nothing of this state is saved: rerun the same command to "
      "resume from the last checkpoint, and check the devices named if it happens again"
    )
