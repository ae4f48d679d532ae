"""`vidgan train --config=experiments/X.py --workdir=DIR [--config.key=value ...]`."""

import logging

import jax
import tensorflow as tf
from absl import app, flags
from ml_collections import config_flags

from vidgan_jax import train

FLAGS = flags.FLAGS
logger = logging.getLogger(__name__)
flags.DEFINE_string("workdir", None, "Directory for checkpoints, samples and TensorBoard logs.")
config_flags.DEFINE_config_file("config", None, "Experiment config file, e.g. experiments/quickstart.py.",
                                lock_config=True)
flags.mark_flags_as_required(["config", "workdir"])


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  tf.config.set_visible_devices([], "GPU")  # tf.data only; keep accelerators for JAX.
  logger.info("JAX backend %s, %d device(s)", jax.default_backend(), jax.device_count())
  train.train_and_evaluate(FLAGS.config, FLAGS.workdir)


def run(argv: list[str]) -> None:
  app.run(main, argv=argv)
