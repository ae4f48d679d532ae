"""The `vidgan` console script: `vidgan <command> [flags]`.

Each command lives in its own module under `vidgan_jax.commands` and is imported only when
called, so that the absl flags of one command (e.g. `--config`) never clash with another's.
"""

import difflib
import importlib
import logging
import sys

from vidgan_jax import __version__

COMMANDS = {
  "build": "Build a TFDS dataset (TFDS's own `tfds build` flags).",
  "train": "Train a model: --config=experiments/X.py --workdir=DIR.",
  "sample": "Generate clips from prompts: --workdir=DIR (or --pretrained=NAME) --prompt='...' --out=DIR.",
  "eval": "Score generated clips for seen and held-out pairs: --workdir=DIR (or --pretrained=NAME).",
  "export": "Write a checkpoint's EMA generator for --pretrained: --workdir=DIR --out=FOLDER.",
  "bench": "Time the train step, input pipeline and sampling: --config=experiments/X.py [--steps=N].",
  "inspect": "Describe a checkpoint without loading its arrays: vidgan inspect PATH [--json].",
}


def _usage() -> str:
  lines = ["usage: vidgan <command> [flags]   (vidgan --version: the installed version)", "", "commands:"]
  lines += [f"  {name:<8} {text}" for name, text in COMMANDS.items()]
  lines += ["", "`vidgan <command> --help` lists a command's flags."]
  return "\n".join(lines)


class _DropDeprecationNotices(logging.Filter):
  """TensorFlow and TFDS warn about their own internal deprecated calls; users cannot act on it."""

  def filter(self, record: logging.LogRecord) -> bool:
    return "deprecat" not in record.getMessage().lower()


def _setup_logging(argv: list[str]) -> list[str]:
  """Our messages at INFO on stderr; libraries (orbax logs every file it writes) at WARNING.

  Returns argv with absl's --verbosity defaulted to WARNING unless the user set it.
  """
  handler = logging.StreamHandler()
  handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
  logger = logging.getLogger("vidgan_jax")
  logger.addHandler(handler)
  logger.setLevel(logging.INFO)
  logger.propagate = False
  for name in ("absl", "tensorflow"):
    logging.getLogger(name).addFilter(_DropDeprecationNotices())
  if any(a.startswith(("--verbosity", "-v")) for a in argv):
    return argv
  return argv + ["--verbosity=-1"]


def main(argv: list[str] | None = None) -> None:
  argv = list(sys.argv if argv is None else argv)
  if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
    print(_usage())
    sys.exit(0 if len(argv) >= 2 else 2)
  if argv[1] == "--version":
    print(f"vidgan_jax {__version__}")
    sys.exit(0)
  command = argv[1]
  if command not in COMMANDS:
    close = difflib.get_close_matches(command, COMMANDS, n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    print(
      f"vidgan: unknown command {command!r}: {guess}the commands are {', '.join(COMMANDS)} (vidgan --help)",
      file=sys.stderr,
    )
    sys.exit(2)
  module = importlib.import_module(f"vidgan_jax.commands.{command}")
  args = argv[2:] if command == "build" else _setup_logging(argv[2:])
  module.run([f"vidgan {command}"] + args)
