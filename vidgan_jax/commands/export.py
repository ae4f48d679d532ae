"""`vidgan export --workdir=DIR (or --checkpoint=PATH) --out=FOLDER [--command=...] [--hardware=...]
[--wall_time=...] [--eval_report=PATH] [--name=NAME]`.

Writes a checkpoint's EMA generator (parameters, config, tokenizer; no discriminator, no optimiser
state) as a folder that `vidgan sample --pretrained=FOLDER` and `vidgan eval --pretrained=FOLDER`
load, with the skeleton of its card (card.md: data, training, the evaluation of the exported step
and its known failures); copied under vidgan_jax/shipped_generators/<dataset>/<config>/ it ships
with the package.
"""

import json
import os

from absl import app, flags
from etils import epath

from vidgan_jax import model_card, paths, pretrained
from vidgan_jax.commands.common import check_output_folder, load_model, run_command

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Training workdir (its newest checkpoint is exported).")
flags.DEFINE_string("checkpoint", None, "A checkpoint step directory (instead of --workdir).")
flags.DEFINE_string("out", None, "Folder to write params.msgpack and meta.json to.")
flags.DEFINE_string("command", "", "How the weights were trained (recorded in meta.json).")
flags.DEFINE_string("hardware", "", "Where they were trained (recorded in meta.json).")
flags.DEFINE_string("wall_time", "", "How long training took (recorded in meta.json).")
flags.DEFINE_string(
  "eval_report",
  None,
  "The `vidgan eval` report.json of the exported step, for the card (default: the newest one of that "
  "step under the checkpoint's workdir).",
)
flags.DEFINE_string("name", None, "The generator's name in its card (default: the --out folder's name).")
flags.mark_flags_as_required(["out"])


def _evaluation_of(step: int, source: str) -> tuple[dict | None, str | None]:
  """(report, its path): --eval_report, or the newest report.json of `step` in the workdir that
  holds the checkpoint at `source` (its step directory: <workdir>/checkpoints/<step>)."""
  candidates = [paths.resolve(FLAGS.eval_report)] if FLAGS.eval_report else []
  if not candidates:
    workdir = epath.Path(source).parent.parent
    candidates = sorted(workdir.glob("*/report.json"), key=lambda p: p.stat().mtime, reverse=True)
  for path in candidates:
    try:
      report = json.loads(path.read_text())
    except (OSError, ValueError) as e:
      raise app.UsageError(f"--eval_report {path} cannot be read as a vidgan eval report.json: {e}") from None
    if report.get("step") == step:  # A local path relative to here: the card is shared.
      return report, str(path) if paths.is_uri(str(path)) else os.path.relpath(path)
    if FLAGS.eval_report:
      raise app.UsageError(f"--eval_report {path} is of step {report.get('step')}, not the exported step {step}")
  return None, None


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if FLAGS.workdir is None and FLAGS.checkpoint is None:
    raise app.UsageError("give one of --workdir or --checkpoint")
  check_output_folder("out", FLAGS.out)
  try:
    model, source = load_model(FLAGS.workdir, FLAGS.checkpoint, None)
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  training = {
    "command": FLAGS.command,
    "hardware": FLAGS.hardware,
    "wall_time": FLAGS.wall_time,
    "steps": model.step,
    "batch_size": model.config.batch_size,
  }
  evaluation, evaluation_source = _evaluation_of(model.step, source)
  digest = pretrained.export(model, FLAGS.out, training)
  folder = paths.resolve(FLAGS.out)
  meta = json.loads((folder / pretrained.META_FILE).read_text())
  card = model_card.skeleton(FLAGS.name or folder.name, meta, evaluation, evaluation_source)
  (folder / model_card.CARD_FILE).write_text(card)
  size = (folder / pretrained.PARAMS_FILE).stat().length
  print(
    f"exported the EMA generator of step {model.step} ({source}) to {FLAGS.out}: "
    f"{size / 2**20:.1f} MiB, sha256 {digest[:12]}; its card: {folder / model_card.CARD_FILE} "
    f"({'with the evaluation ' + evaluation_source if evaluation else 'no evaluation of this step found'})"
  )


def run(argv: list[str]) -> None:
  run_command(main, argv)
