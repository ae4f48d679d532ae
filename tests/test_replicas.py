"""Replicas agree (vidgan_jax/replicas.py): one of 8 fake devices' copies perturbed by one bit is
named, and a training run stops before saving a diverged state."""

from unittest import mock

import jax
import numpy as np
import pytest

from vidgan_jax import replicas, train
from vidgan_jax.distributed import AXIS, replicate


def _tree():
  return {"w": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), "step": np.int32(7), "ok": np.bool_(True)}


def _replicated_with(perturb):
  """The tree on every local device, `perturb(stacked)` applied to the host copies first."""
  stacked = jax.tree.map(lambda x: np.array(np.broadcast_to(x, (jax.local_device_count(),) + np.shape(x))), _tree())
  perturb(stacked)
  return jax.pmap(lambda x: x, axis_name=AXIS)(stacked)


@pytest.mark.fast
def test_equal_copies_pass():
  assert jax.local_device_count() == 8
  replicas.check(replicate(_tree()), step=5)


@pytest.mark.fast
@pytest.mark.parametrize("leaf", ["w", "step", "ok"])
def test_one_flipped_bit_on_one_device_is_named(leaf):
  def flip(stacked):
    if leaf == "ok":
      stacked[leaf][3] = not stacked[leaf][3]
    else:  # A view of device 3's copy, so that the flip lands in the stacked array.
      stacked[leaf][3:4].view(np.uint32).flat[0] ^= 1 << 9

  with pytest.raises(replicas.ReplicasDiverged, match=r"step 5: the train state on device 3 of process 0 .*differs"):
    replicas.check(_replicated_with(flip), step=5)


def test_a_run_stops_before_saving_a_diverged_state(tiny_config, tmp_path):
  """Device 5's digest differs at step 4, a checkpoint step: step 2's checkpoint stays the newest."""
  config = tiny_config
  config.num_train_steps, config.checkpoint_every_steps, config.sample_every_steps = 6, 2, 1000
  config.replica_check_every_steps = 1
  real = replicas.local_digests
  calls = []

  def diverging_at_step_4(state):
    calls.append(1)
    digests = np.array(real(state))
    if len(calls) == 4:
      digests[5] += 1
    return digests

  with mock.patch.object(replicas, "local_digests", diverging_at_step_4):
    with pytest.raises(replicas.ReplicasDiverged, match="step 4: the train state on device 5 of process 0"):
      train.train_and_evaluate(config, str(tmp_path))
  assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir() if p.name.isdigit()) == ["2"]


def test_the_flips_benchmark_as_typed_catches_every_flip(python_in_repo):
  result = python_in_repo("-m", "benchmarks.reliability.replica_flips", "--trials=4")
  assert result.returncode == 0, result.stderr[-3000:]
  assert "4 single-bit flips on one of 8 devices' copies" in result.stdout and "4 caught, each named" in result.stdout
