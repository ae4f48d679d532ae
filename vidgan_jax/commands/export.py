"""`vidgan export --workdir=DIR (or --checkpoint=PATH) --out=FOLDER [--command=...] [--hardware=...]
[--wall_time=...]`.

Writes a checkpoint's EMA generator (parameters, config, tokenizer; no discriminator, no optimiser
state) as a folder that `vidgan sample --pretrained=FOLDER` and `vidgan eval --pretrained=FOLDER`
load; copied under vidgan_jax/shipped_generators/<dataset>/<config>/ it ships with the package.
"""

from absl import app, flags

from vidgan_jax import paths, pretrained
from vidgan_jax.commands.common import load_model

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Training workdir (its newest checkpoint is exported).")
flags.DEFINE_string("checkpoint", None, "A checkpoint step directory (instead of --workdir).")
flags.DEFINE_string("out", None, "Folder to write params.msgpack and meta.json to.")
flags.DEFINE_string("command", "", "How the weights were trained (recorded in meta.json).")
flags.DEFINE_string("hardware", "", "Where they were trained (recorded in meta.json).")
flags.DEFINE_string("wall_time", "", "How long training took (recorded in meta.json).")
flags.mark_flags_as_required(["out"])


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if FLAGS.workdir is None and FLAGS.checkpoint is None:
    raise app.UsageError("give one of --workdir or --checkpoint")
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
  digest = pretrained.export(model, FLAGS.out, training)
  size = (paths.resolve(FLAGS.out) / pretrained.PARAMS_FILE).stat().length
  print(
    f"exported the EMA generator of step {model.step} ({source}) to {FLAGS.out}: "
    f"{size / 2**20:.1f} MiB, sha256 {digest[:12]}"
  )


def run(argv: list[str]) -> None:
  app.run(main, argv=argv)
