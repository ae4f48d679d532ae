"""Speed of the train step, the input pipeline and sampling for one experiment config.

The train step runs on a synthetic batch of the config's shapes (its cost does not depend on the
pixel values), so that it is timed apart from the input pipeline, which is timed on its own. The
model figures (`model_figures`) need no dataset and no TensorFlow, so they also run on machines
that only have JAX.
"""

import functools
import statistics
import time

import jax
import ml_collections
import numpy as np

from vidgan_jax import distributed, sampling, train_step
from vidgan_jax.batch_layout import BatchLayout, batch_layout
from vidgan_jax.models import Discriminator, Generator, build_models
from vidgan_jax.text import Tokenizer

# Dense peak TFLOP/s per chip by jax `device_kind` prefix: (bfloat16, float32). float32 is the
# TF32 tensor-core rate on GPUs that have one (XLA's default precision for f32 matmuls/convs there).
PEAK_TFLOPS = {
  "TPU v4": (275.0, 275.0),
  "TPU v5 lite": (197.0, 197.0),
  "TPU v5e": (197.0, 197.0),
  "TPU v5p": (459.0, 459.0),
  "TPU v5": (459.0, 459.0),
  "TPU v6 lite": (918.0, 918.0),
  "TPU v6e": (918.0, 918.0),
  "NVIDIA H200": (989.0, 494.0),
  "NVIDIA H100": (989.0, 494.0),
  "NVIDIA A100": (312.0, 156.0),
  "NVIDIA L4": (121.0, 60.0),
  "NVIDIA A10G": (70.0, 35.0),
  "Tesla V100": (125.0, 15.7),
}


# Memory (HBM) bandwidth in GB/s by device kind, from the vendors' data sheets (SXM parts).
BANDWIDTH_GBPS = {"NVIDIA H200": 4800.0, "NVIDIA H100": 3350.0}


def _by_prefix(table: dict, device_kind: str):
  return next((value for prefix, value in table.items() if device_kind.startswith(prefix)), None)


def peak_tflops(device_kind: str, dtype: str) -> float | None:
  """The table's peak for this device and compute dtype; None if the device is not listed (CPUs)."""
  peaks = _by_prefix(PEAK_TFLOPS, device_kind)
  if peaks is None:
    return None
  bf16, f32 = peaks
  return bf16 if dtype == "bfloat16" else f32


def bandwidth_gbps(device_kind: str) -> float | None:
  """The table's memory bandwidth for this device; None if it is not listed."""
  return _by_prefix(BANDWIDTH_GBPS, device_kind)


def synthetic_batch(config: ml_collections.ConfigDict, layout: BatchLayout, vocab_size: int) -> dict:
  """A batch of the step's shapes, [local_devices, per_device_batch, ...], from a fixed seed; with
  `config.factor_keys`, factor labels i32 [..., F] drawn within `config.factor_classes`."""
  rng = np.random.default_rng(0)
  shape = (layout.local_devices, layout.device_batch)
  length = config.text.max_length
  batch = {
    "video": rng.integers(0, 256, shape + (config.frames, config.size, config.size, 3), dtype=np.uint8),
    "tokens": rng.integers(1, vocab_size, shape + (length,)).astype(np.int32),
    "mismatch_tokens": rng.integers(1, vocab_size, shape + (length,)).astype(np.int32),
    "mismatch_valid": np.ones(shape, np.float32),
  }
  if config.factor_keys:
    classes = np.asarray(config.factor_classes)
    batch["factors"] = rng.integers(0, classes, shape + (len(classes),)).astype(np.int32)
  return batch


def _spread(seconds: list[float]) -> dict:
  q = np.percentile(seconds, [10, 90])
  return {
    "median": statistics.median(seconds),
    "p10": float(q[0]),
    "p90": float(q[1]),
    "min": min(seconds),
    "max": max(seconds),
  }


def step_flops(
  config: ml_collections.ConfigDict,
  generator: Generator,
  discriminator: Discriminator,
  state: train_step.TrainState,
  batch: dict,
) -> float | None:
  """FLOPs of one train step over the global batch, as XLA counts the program as written.

  Counted by lowering one device's step for the CPU, whatever the backend: a GPU's compiled
  program leaves the convolutions it hands to cuDNN out of its analysis (measured on an H100:
  0.07 of the paper step's 16.7 TFLOP), and GPU plugins may not analyse the unoptimised program.
  `state` and `batch` are [local_devices, ...]; only their shapes are used.
  """
  try:
    cpu = jax.devices("cpu")[:1]
  except RuntimeError:  # JAX_PLATFORMS excludes the CPU.
    return None

  def one_device(x):
    return jax.ShapeDtypeStruct((1,) + x.shape[1:], x.dtype)

  step = functools.partial(train_step.train_step, generator=generator, discriminator=discriminator, config=config)
  lowered = jax.pmap(step, axis_name=distributed.AXIS, devices=cpu).lower(
    jax.tree.map(one_device, state), jax.tree.map(one_device, batch)
  )
  cost = lowered.cost_analysis()
  cost = cost[0] if isinstance(cost, list) else cost
  # Every device runs the same program on its slice of the batch.
  return float(cost["flops"]) * jax.device_count() if cost and "flops" in cost else None


def bench_train_step(
  config: ml_collections.ConfigDict,
  generator: Generator,
  discriminator: Discriminator,
  initial_state: train_step.TrainState,
  steps: int,
  vocab_size: int,
) -> dict:
  """Compile time, per-step seconds after one warm-up step, FLOPs per step (XLA cost analysis)."""
  layout = batch_layout(config.batch_size)
  state = distributed.replicate(initial_state)
  batch = synthetic_batch(config, layout, vocab_size)
  p_step = train_step.make_p_train_step(generator, discriminator, config)
  start = time.perf_counter()
  p_step.compile(state, batch)
  compile_seconds = time.perf_counter() - start
  flops = step_flops(config, generator, discriminator, state, batch)
  state, metrics = p_step(state, batch)  # Warm-up: the first call also transfers the batch.
  jax.block_until_ready((state, metrics))
  seconds = []
  for _ in range(steps):
    start = time.perf_counter()
    state, metrics = p_step(state, batch)
    jax.block_until_ready((state, metrics))
    seconds.append(time.perf_counter() - start)
  return {"compile_seconds": compile_seconds, "step_seconds": _spread(seconds), "flops_per_step": flops}


def bench_sampling(
  config: ml_collections.ConfigDict, generator: Generator, params, tokenizer: Tokenizer, repeats: int
) -> float:
  """Clips/s of `sampling.generate` (prompts to clips in host memory), after one warm-up call."""
  prompts = list(config.sample_prompts)
  num = -(-config.batch_size // len(prompts))
  sampling.generate(generator, params, tokenizer, prompts, num, config.seed, config)
  start = time.perf_counter()
  for _ in range(repeats):
    sampling.generate(generator, params, tokenizer, prompts, num, config.seed, config)
  return repeats * num * len(prompts) / (time.perf_counter() - start)


def peak_memory_bytes() -> int | None:
  stats = jax.local_devices()[0].memory_stats()
  return int(stats["peak_bytes_in_use"]) if stats and "peak_bytes_in_use" in stats else None


def model_figures(
  config: ml_collections.ConfigDict, tokenizer: Tokenizer, steps: int, sample_repeats: int, peak: float | None
) -> dict:
  """Train-step and sampling figures of `vidgan bench`, as a JSON-ready dict."""
  device = jax.devices()[0]
  generator, discriminator = build_models(config, tokenizer.vocab_size)
  # Host copies: the step donates its (replicated) state, these stay valid for sampling.
  initial_state = train_step.create_train_state(config, generator, discriminator)
  step = bench_train_step(config, generator, discriminator, initial_state, steps, tokenizer.vocab_size)
  step_seconds = step["step_seconds"]["median"]
  peak = peak if peak is not None else peak_tflops(device.device_kind, config.model.dtype)
  achieved = step["flops_per_step"] / step_seconds / 1e12 if step["flops_per_step"] else None
  return {
    "backend": jax.default_backend(),
    "device_kind": device.device_kind,
    "device_count": jax.device_count(),
    "dtype": config.model.dtype,
    "global_batch": config.batch_size,
    **step,
    "clips_per_second": config.batch_size / step_seconds,
    "achieved_tflops": achieved,
    "peak_tflops": peak,
    "mfu": achieved / (peak * jax.device_count()) if achieved and peak else None,
    "peak_memory_bytes": peak_memory_bytes(),
    "sample_clips_per_second": bench_sampling(config, generator, initial_state.ema_params, tokenizer, sample_repeats),
  }
