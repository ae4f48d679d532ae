"""`vidgan train --config=experiments/X.py --workdir=DIR [--config.key=value ...]`."""

import logging
import sys

import jax
from absl import app, flags
from ml_collections import config_flags

from vidgan_jax import build_checks, checkpoints, distributed, replicas, train, workdir_lock
from vidgan_jax.commands.common import USAGE_EXIT_CODE, run_command
from vidgan_jax.configs import check_config

FLAGS = flags.FLAGS
logger = logging.getLogger(__name__)
flags.DEFINE_string("workdir", None, "Directory for checkpoints, samples and TensorBoard logs.")
config_flags.DEFINE_config_file(
  "config", None, "Experiment config file, e.g. experiments/quickstart.py.", lock_config=True
)
flags.DEFINE_bool(
  "multihost",
  False,
  "Join a multi-process run whose cluster JAX detects (Cloud TPU VM pods, "
  "SLURM, Open MPI, Kubernetes); run the same command on every host.",
)
flags.DEFINE_string("coordinator_address", None, "host:port of process 0, for clusters JAX does not detect.")
flags.DEFINE_integer("num_processes", None, "Number of processes (with --coordinator_address).", lower_bound=1)
flags.DEFINE_integer(
  "process_id", None, "This process's index, 0..num_processes-1 (with --coordinator_address).", lower_bound=0
)
flags.DEFINE_integer(
  "heartbeat_timeout_seconds",
  100,
  "Seconds after which the processes give up on one that stopped answering.",
  lower_bound=1,
)
flags.DEFINE_bool(
  "allow_config_change",
  False,
  "Resume even though the config changes the model or the data the workdir's checkpoint was trained with.",
)
flags.mark_flags_as_required(["config", "workdir"])


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  try:  # Before anything is built or compiled: a wrong key or value costs nothing.
    check_config(FLAGS.config)
  except ValueError as e:
    print(f"vidgan train: {e}", file=sys.stderr)
    sys.exit(USAGE_EXIT_CODE)
  try:
    distributed.initialize(
      multihost=FLAGS.multihost,
      coordinator_address=FLAGS.coordinator_address,
      num_processes=FLAGS.num_processes,
      process_id=FLAGS.process_id,
      heartbeat_timeout_seconds=FLAGS.heartbeat_timeout_seconds,
    )
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  if jax.process_index() != 0:  # Process 0 speaks for all; the others report only problems.
    logging.getLogger("vidgan_jax").setLevel(logging.WARNING)
  logger.info(
    "JAX backend %s, %d device(s) in %d process(es)", jax.default_backend(), jax.device_count(), jax.process_count()
  )
  try:
    train.train_and_evaluate(FLAGS.config, FLAGS.workdir, FLAGS.allow_config_change)
  except (
    checkpoints.CheckpointWriteError,
    workdir_lock.WorkdirInUse,
    build_checks.DamagedBuildError,
    replicas.ReplicasDiverged,
  ) as e:
    logger.error("%s", e)
    sys.exit(1)


def run(argv: list[str]) -> None:
  run_command(main, argv, config_file_flags=("config",))
