"""One train step and one sampling pass of the tiny config with the paper config's options (bf16
compute with float32 parameters, transposed 3D convs, strided convs), in a process of its own.

Run by tests/test_train.py as `python tests/paper_options_step.py`: compiled inside the long test
process, after its other steps, this program twice aborted XLA's CPU compiler (a SIGABRT, and a
segfault in CI) and took the session down with it; alone it compiles and runs (2026-12-05).
Prints "ok" when every check holds; an AssertionError otherwise.
"""

import functools
import pathlib
import sys

import jax
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from test_train import _pmap, _random_batch, _replicate, _setup, _shard  # noqa: E402  (tests/ is on sys.path)

from experiments import tiny  # noqa: E402
from vidgan_jax import distributed, train_step  # noqa: E402


def main() -> None:
  config = tiny.get_config()
  config.model.dtype, config.model.upsample, config.model.downsample = "bfloat16", "transpose", "strided"
  generator, discriminator, state = _setup(config)
  assert {x.dtype for x in jax.tree.leaves(state.g_params)} == {np.dtype("float32")}
  devices = jax.devices()[:1]
  step = _pmap(train_step.train_step, config, generator, discriminator, devices)
  new_state, metrics = step(
    _replicate(state, devices), _shard(_random_batch(np.random.default_rng(2), config, 8), devices)
  )
  metrics = distributed.unreplicate(metrics)
  assert np.isfinite(float(metrics["g_loss"])) and float(metrics["nonfinite_steps"]) == 0, metrics
  assert {x.dtype for x in jax.tree.leaves(distributed.unreplicate(new_state).g_params)} == {np.dtype("float32")}
  sample = jax.jit(functools.partial(generator.apply, method=generator.sample))  # One compilation, not one per op.
  out = sample(
    {"params": state.g_params},
    np.ones((2, config.text.max_length), np.int32),
    np.zeros((2, config.model.z_dim), np.float32),
    np.zeros((2, config.model.noise_dim), np.float32),
  )
  assert out["video"].shape == (2, config.frames, config.size, config.size, 3) and out["video"].dtype == np.float32
  assert out["gist"].shape == (2, config.size, config.size, 3)
  print("ok")


if __name__ == "__main__":
  main()
