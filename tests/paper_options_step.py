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

from experiments import tiny  # noqa: E402
from vidgan_jax import distributed, models, train_step  # noqa: E402


def main() -> None:
  config = tiny.get_config()
  config.model.dtype, config.model.upsample, config.model.downsample = "bfloat16", "transpose", "strided"
  generator, discriminator = models.build_models(config, vocab_size=512)
  state = train_step.create_train_state(config, generator, discriminator)
  assert {x.dtype for x in jax.tree.leaves(state.g_params)} == {np.dtype("float32")}
  rng = np.random.default_rng(2)
  batch = {
    "video": rng.integers(0, 256, (1, 8, config.frames, config.size, config.size, 3), dtype=np.uint8),
    "tokens": rng.integers(2, 512, (1, 8, config.text.max_length)).astype(np.int32),
    "mismatch_tokens": rng.integers(2, 512, (1, 8, config.text.max_length)).astype(np.int32),
    "mismatch_valid": np.ones((1, 8), np.float32),
  }
  step = jax.pmap(
    functools.partial(train_step.train_step, generator=generator, discriminator=discriminator, config=config),
    axis_name=distributed.AXIS,
  )
  new_state, metrics = step(jax.tree.map(lambda x: np.asarray(x)[None], state), batch)
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
