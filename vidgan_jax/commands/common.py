"""What several commands share: one line for an ordinary mistake, checks of the flags that name
paths, and choosing the generator from --workdir, --checkpoint or --pretrained."""

import functools
import os
import re
import sys
import traceback
from collections.abc import Callable

from absl import app, flags
from etils import epath

from vidgan_jax import checkpoints, checksums, paths, pretrained, resume
from vidgan_jax.inference import TrainedGenerator, load_generator

FLAGS = flags.FLAGS
# Set to 1 to see the traceback behind an ordinary mistake's one line.
DEBUG_VARIABLE = "VIDGAN_DEBUG"
# What a user gets wrong and can mend (a path that is not there, a file where a folder belongs, a
# value out of range, an unknown name), and a damaged checkpoint with no good one left: reported in
# one line, exit code 2, no traceback.
ORDINARY_MISTAKES = (
  app.UsageError,
  FileNotFoundError,
  NotADirectoryError,
  IsADirectoryError,
  FileExistsError,
  PermissionError,
  pretrained.PretrainedError,
  checksums.DamagedCheckpoint,
  resume.ConfigChangeRefused,
)
USAGE_EXIT_CODE = 2


def one_line(error: BaseException) -> str:
  """The error's message on one line (multi-line messages are joined)."""
  return " ".join(str(error).split()) or type(error).__name__


def fail(command: str, error: BaseException) -> None:
  """Reports an ordinary mistake in one line (after its traceback with VIDGAN_DEBUG=1) and exits
  with USAGE_EXIT_CODE."""
  if os.environ.get(DEBUG_VARIABLE) and error.__traceback__ is not None:
    traceback.print_exception(error, file=sys.stderr)
  print(f"{command}: {one_line(error)}", file=sys.stderr)
  sys.exit(USAGE_EXIT_CODE)


def _config_file_problem(flag: str, value: str) -> str | None:
  """What is wrong with the experiment file named by `--flag=value` (a path, optionally followed
  by ":argument"), before absl runs it; None if it exists and parses."""
  path = value.split(":", 1)[0]
  hint = "give an experiment file such as experiments/quickstart.py"
  if not os.path.exists(path):
    return f"--{flag}={value}: no such file; {hint}"
  if os.path.isdir(path):
    return f"--{flag}={value} is a folder, not a file; {hint}"
  try:
    with open(path, encoding="utf-8") as f:
      compile(f.read(), path, "exec")
  except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as e:  # A SyntaxError names its line.
    return f"--{flag}={value} cannot be read as Python: {type(e).__name__}: {one_line(e)}"
  return None


def parse_flags(argv: list[str], config_file_flags: tuple[str, ...] = ()) -> list[str]:
  """absl's flag parsing, with a wrong value or a bad experiment file (the flags named in
  `config_file_flags`) reported in one line."""
  command = argv[0]
  if not os.environ.get(DEBUG_VARIABLE):
    for arg in argv[1:]:
      name, _, value = arg.lstrip("-").partition("=")
      problem = _config_file_problem(name, value) if name in config_file_flags and value else None
      if problem:
        fail(command, app.UsageError(problem))
  try:
    return FLAGS(argv)
  except flags.Error as e:
    fail(command, e)
  except (AttributeError, KeyError) as e:  # A --config.KEY=VALUE override naming no key.
    suggestion = re.search(r'Did you mean "([\w.]+)" instead of "([\w.]+)"', str(e))
    detail = f"{suggestion[2]!r}; did you mean {suggestion[1]!r}?" if suggestion else one_line(e).strip('"')
    fail(command, app.UsageError(f"a --config.KEY=VALUE override names no config key: {detail}"))
  except Exception as e:  # noqa: BLE001  (an experiment file's own error when absl runs it)
    fail(command, app.UsageError(f"the experiment file failed to load: {type(e).__name__}: {one_line(e)}"))


def run_command(main: Callable[[list[str]], None], argv: list[str], config_file_flags: tuple[str, ...] = ()) -> None:
  """absl's app.run of a command's `main`; an ordinary mistake (ORDINARY_MISTAKES, a flag's wrong
  value, a bad experiment file in one of `config_file_flags`) ends in one line `vidgan <command>:
  what is wrong` and exit code 2 (VIDGAN_DEBUG=1 prints the traceback before it)."""

  def guarded(args: list[str]) -> None:
    try:
      main(args)
    except ORDINARY_MISTAKES as e:
      fail(argv[0], e)

  app.run(guarded, argv=argv, flags_parser=functools.partial(parse_flags, config_file_flags=config_file_flags))


def check_output_folder(flag: str, value: str | None) -> None:
  """UsageError unless `--flag=value` can be a folder to write into (it may not exist yet)."""
  if value is None:
    return
  path = paths.resolve(value)
  if path.exists() and not path.is_dir():
    raise app.UsageError(f"--{flag}={value} is a file; give a folder (it is made if missing)")


def _no_checkpoint(flag: str, value: str) -> app.UsageError:
  """Why `--flag=value` names no checkpoint, and what to do."""
  path = epath.Path(value)
  if not path.exists():
    why = "does not exist"
  elif not path.is_dir():
    why = "is a file, not a workdir"
  else:
    why = "holds no checkpoint yet"
  return app.UsageError(
    f"--{flag}={value} {why}: give a workdir that `vidgan train --workdir=...` has checkpointed, "
    "or --pretrained=NAME for a shipped generator"
  )


def load_model(
  workdir: str | None, checkpoint: str | None, pretrained_name: str | None
) -> tuple[TrainedGenerator, str]:
  """The EMA generator named by exactly one of the three flags, and where it came from.

  Raises app.UsageError unless exactly one is given or when it names no checkpoint, and
  pretrained.PretrainedError for a shipped generator that is missing or damaged.
  """
  given = [
    flag
    for flag, value in (("workdir", workdir), ("checkpoint", checkpoint), ("pretrained", pretrained_name))
    if value is not None
  ]
  if len(given) != 1:
    named = ", ".join(f"--{flag}" for flag in given) or "none"
    raise app.UsageError(f"give exactly one of --workdir, --checkpoint or --pretrained (got {named})")
  if pretrained_name is not None:
    return pretrained.load(pretrained_name), str(pretrained.resolve(pretrained_name))
  try:
    checkpoints.resolve_step_dir(workdir or checkpoint)
  except FileNotFoundError:
    raise _no_checkpoint(given[0], workdir or checkpoint) from None
  step_dir, generator = checkpoints.read_newest(workdir or checkpoint, load_generator)
  return generator, str(step_dir)
