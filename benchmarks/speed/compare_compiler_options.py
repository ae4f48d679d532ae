"""The CPU train step compiled with each of several `cpu_compiler_options`, timed in one process
with their steps interleaved (A, B, A, B, ...), so that whatever else the machine does weighs on
every variant alike; on a shared 2-core machine, runs in separate processes differ by ±15%.

    python -m benchmarks.speed.compare_compiler_options --config=experiments/quickstart.py --options= \
        --options=xla_cpu_experimental_ynn_fusion_type=LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE

Synthetic batches of the config's shapes (as `vidgan bench`); no dataset needed.
"""

import statistics
import time

import jax
import numpy as np
from absl import app, flags
from ml_collections import config_flags

from vidgan_jax import distributed, speed, train_step
from vidgan_jax.batch_layout import batch_layout
from vidgan_jax.models import build_models

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Experiment config file: shapes, widths, batch.")
flags.DEFINE_multi_string("options", None, "One variant's cpu_compiler_options (repeat the flag; '' = XLA's defaults).")
flags.DEFINE_integer("rounds", 10, "Timed steps per variant, after one warm-up step each.", lower_bound=1)
flags.DEFINE_integer("vocab_size", 512, "Tokenizer size (the embedding's rows).", lower_bound=2)
flags.mark_flags_as_required(["config", "options"])


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if jax.default_backend() != "cpu":
    raise app.UsageError(f"cpu_compiler_options apply on the CPU only; the backend is {jax.default_backend()}")
  config = FLAGS.config
  generator, discriminator = build_models(config, FLAGS.vocab_size)
  batch = speed.synthetic_batch(config, batch_layout(config.batch_size), FLAGS.vocab_size)
  steps, states = {}, {}
  for options in FLAGS.options:
    variant = config.copy_and_resolve_references()
    variant.cpu_compiler_options = options
    state = distributed.replicate(train_step.create_train_state(variant, generator, discriminator))
    start = time.perf_counter()
    steps[options] = train_step.make_p_train_step(generator, discriminator, variant).compile(state, batch)
    print(f"compiled {options or '(XLA defaults)'} in {time.perf_counter() - start:.1f} s", flush=True)
    states[options], _ = steps[options](state, batch)  # Warm-up.
  seconds = {options: [] for options in steps}
  for _ in range(FLAGS.rounds):
    for options, step in steps.items():
      start = time.perf_counter()
      states[options], metrics = step(states[options], batch)
      jax.block_until_ready((states[options], metrics))
      seconds[options].append(time.perf_counter() - start)
  first = statistics.median(seconds[FLAGS.options[0]])
  print(f"{config.frames}x{config.size}x{config.size}, batch {config.batch_size}; {jax.devices()[0].device_kind}")
  print("| cpu_compiler_options | step median (p10-p90) | vs the first |\n|---|---|---|")
  for options, s in seconds.items():
    p10, p90 = np.percentile(s, [10, 90])
    median = statistics.median(s)
    name = f"`{options}`" if options else "(XLA's defaults)"
    print(f"| {name} | {1e3 * median:.0f} ms ({1e3 * p10:.0f}-{1e3 * p90:.0f}) | {median / first:.2f} |")


if __name__ == "__main__":
  app.run(main)
