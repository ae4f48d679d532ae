"""`vidgan build`: TFDS's own build command, with TFDS's flags, for the project's builders by name.

`tfds build` in some TFDS releases fails at import without apache-beam (its CLI imports every
sub-command, one of which needs Beam), although building these datasets never uses Beam. This runs
the very same build command object, so every `tfds build` flag works unchanged, except that files
are written as ArrayRecord unless `--file_format` says otherwise (training reads them by position
with Grain, without TensorFlow). The project's builders are registered first, so their names work
from any directory:

  vidgan build action_scenes --config=32px --data_dir=~/tensorflow_datasets
"""

import errno
import logging
import os
import re
import sys

import tensorflow_datasets as tfds
from absl import logging as absl_logging
from tensorflow_datasets.scripts.cli import build as tfds_build
from tensorflow_datasets.scripts.cli import cli_utils

from vidgan_jax import paths
from vidgan_jax.datasets import register_builders
from vidgan_jax.input_pipeline import FILE_FORMAT

PROJECT_BUILDERS = ("action_scenes", "text2video_real")


def _flag_value(argv: list[str], flag: str) -> str:
  """The value of `flag` given as `--flag=value` or `--flag value`; "" if absent."""
  for i, arg in enumerate(argv):
    if arg.startswith(flag + "="):
      return arg.split("=", 1)[1]
    if arg == flag and i + 1 < len(argv):
      return argv[i + 1]
  return ""


def _is_disk_full(error: BaseException) -> bool:
  """ENOSPC/EDQUOT from Python, or the same from the C++ ArrayRecord writer (a RuntimeError)."""
  if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
    return True
  return any(text in str(error) for text in (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT)))


def _disk_full_message(error: BaseException, data_dir: str) -> str:
  # The ArrayRecord writer names its file in the message; an OSError carries it as `filename`.
  written = re.search(r"writing (\S+?);", str(error))
  where = written.group(1) if written else getattr(error, "filename", None) or data_dir or "the data_dir"
  return (
    f"vidgan build: the disk is full ({where}): free some space and run the same command again; "
    "the unfinished build was removed, nothing was marked complete"
  )


def _name_problem(args: tfds_build.Args) -> str | None:
  """What is wrong with the builder or builder config the command names; None if both exist."""
  for dataset in args.positional_datasets + args.datasets:
    if os.path.exists(dataset):  # A builder's folder (TFDS builds it by path).
      continue
    name, _, config = dataset.split(":", 1)[0].partition("/")
    try:
      builder_cls = tfds.builder_cls(name)
    except tfds.core.registered.DatasetNotFoundError:
      return f"no builder named {name!r}: this project's builders are {', '.join(PROJECT_BUILDERS)}"
    config = config or args.generation.config
    known = [c.name for c in builder_cls.BUILDER_CONFIGS]
    if config and known and config not in known:
      return f"{name} has no config {config!r}: its configs are {', '.join(known)}"
  return None


def run(argv: list[str]) -> None:
  if not any(arg.startswith("--file_format") for arg in argv):
    argv = [*argv, f"--file_format={FILE_FORMAT}"]
  register_builders()
  data_dir = _flag_value(argv, "--data_dir")
  if paths.is_uri(data_dir):
    raise SystemExit(
      f"vidgan build: --data_dir={data_dir}: ArrayRecord files are written to local disks only; "
      f"build into a local --data_dir, then copy the dataset's folder into {data_dir}"
    )
  args = cli_utils.make_flags_parser(tfds_build.Args, description=__doc__)(argv)
  problem = _name_problem(args)
  if problem:
    print(f"vidgan build: {problem}", file=sys.stderr)
    sys.exit(2)
  absl_logging.use_python_logging(quiet=True)
  absl_logging.set_verbosity(absl_logging.INFO)
  handler = absl_logging.get_absl_handler().python_handler
  handler.setFormatter(logging.Formatter("{levelname}[{filename}]: {message}", style="{"))
  try:
    args.execute()
  except (OSError, RuntimeError) as error:
    # TFDS writes into an "incomplete.*" folder, deleted on any error, and renames it into place
    # only once every split and the metadata are written: a full disk leaves no complete build.
    if not _is_disk_full(error):
      raise
    raise SystemExit(_disk_full_message(error, data_dir)) from error
