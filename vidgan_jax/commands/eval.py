"""`vidgan eval --workdir=DIR (or --checkpoint=PATH, or --pretrained=NAME) [--num_per_pair=N] [--json=PATH]
[--out=DIR] [--config=experiments/X.py]`.

Generates clips for every prompt set of the dataset's evaluation protocol (action_scenes: every
seen and held-out action-scene pair, from captions outside the training templates; a dataset such as
text2video_real: a few test captions per category) and scores them with the evaluation classifier
(trained on first use, then cached) against real clips. Writes report.json, report.md and grid.gif
to --out (default: DIR/eval_<step>, or eval_<name>_<step> for a shipped generator) and prints the
markdown table.
"""

import json
import logging
import sys

from absl import app, flags
from ml_collections import config_flags

from vidgan_jax import build_checks, input_pipeline, paths, pretrained
from vidgan_jax.commands.common import check_output_folder, load_model, run_command
from vidgan_jax.evaluation import classifier, evaluate, protocol, report

FLAGS = flags.FLAGS
logger = logging.getLogger(__name__)
flags.DEFINE_string("workdir", None, "Training workdir (its newest checkpoint is evaluated).")
flags.DEFINE_string("checkpoint", None, "A checkpoint step directory (instead of --workdir).")
flags.DEFINE_string(
  "pretrained",
  None,
  "A generator shipped in the package, e.g. action_scenes/32px (instead "
  "of --workdir), or a folder written by `vidgan export`.",
)
config_flags.DEFINE_config_file(
  "config",
  None,
  "Take the evaluation settings (the `eval` section: classifier, "
  "clips per pair, ...) from this experiment file instead of the checkpoint's config.",
  lock_config=True,
)
flags.DEFINE_integer(
  "num_per_pair",
  None,
  "Generated clips per pair, or per category (default: the config's eval.num_per_pair).",
  lower_bound=2,
)
flags.DEFINE_integer("seed", None, "Evaluation seed (default: the config's eval.seed).")
flags.DEFINE_string("data_dir", None, "TFDS data_dir of the real clips (default: the training config's).")
flags.DEFINE_string("out", None, "Output directory (default: <workdir>/eval_<step>).")
flags.DEFINE_string("json", None, "Also write the JSON report to this path.")
flags.DEFINE_bool("retrain_classifier", False, "Train the evaluation classifier again even if cached.")
flags.DEFINE_integer("fps", 8, "Frames per second of grid.gif.", lower_bound=1)


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  try:
    evaluate_model()
  except build_checks.DamagedBuildError as e:
    print(f"vidgan eval: {e}", file=sys.stderr)
    sys.exit(1)


def evaluate_model() -> None:
  check_output_folder("out", FLAGS.out)
  try:
    model, source = load_model(FLAGS.workdir, FLAGS.checkpoint, FLAGS.pretrained)
  except (pretrained.PretrainedError, ValueError) as e:
    raise app.UsageError(str(e)) from None
  config = (FLAGS.config or model.config).eval
  if FLAGS.num_per_pair is not None:
    config.num_per_pair = FLAGS.num_per_pair
  if FLAGS.seed is not None:
    config.seed = FLAGS.seed
  builder = input_pipeline.load_builder(model.config.dataset, FLAGS.data_dir or model.config.data_dir)
  input_pipeline.ensure_built(builder, model.config.build_if_missing)
  try:
    evaluate.check_clip_counts(config)
    dataset_protocol = protocol.read_protocol(builder, config.prompts_per_pair, config.seed)
    trained = classifier.load_or_train(builder, config.classifier, dataset_protocol, retrain=FLAGS.retrain_classifier)
    scores, generated = evaluate.evaluate(
      lambda p, n, s: model.generate(p, n, s)[0],
      evaluate.Scorer(trained, config.batch_size),
      builder,
      dataset_protocol,
      config,
    )
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  scores.update(
    step=model.step,
    checkpoint=source,
    dataset=builder.info.full_name,
    eval_config=config.to_dict(),
    classifier_dir=str(classifier.cache_dir(builder, config.classifier)),
  )
  if FLAGS.out:
    out = paths.resolve(FLAGS.out)
  elif FLAGS.pretrained:
    out = paths.resolve(f"eval_{FLAGS.pretrained.strip('/').replace('/', '_')}_{model.step}")
  else:
    out = paths.resolve(source).parent.parent / f"eval_{model.step}"
  out.mkdir(parents=True, exist_ok=True)
  table = report.markdown(scores)
  for path in [out / "report.json"] + ([paths.resolve(FLAGS.json)] if FLAGS.json else []):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scores, indent=2))
  (out / "report.md").write_text(table)
  report.write_grid(out / "grid.gif", generated, FLAGS.fps)
  print(table)
  print(f"evaluated step {model.step} ({source}); report.json, report.md and grid.gif in {out}")


def run(argv: list[str]) -> None:
  run_command(main, argv, config_file_flags=("config",))
