"""The card beside an exported generator (`card.md`): what it was trained on, how, how it scores,
what it is for and where it fails.

`vidgan export` writes it from the run's config and the evaluation report of the exported step;
the sections a person must complete after looking at the clips say so. `vidgan inspect
--pretrained=NAME` prints it.
"""

import datetime

from vidgan_jax import __version__
from vidgan_jax.evaluation import report as report_tables

CARD_FILE = "card.md"
# A prompt set is listed among the known failures when its joint accuracy falls below this share of
# the real clips' ceiling: the sets a user should not expect the generator to draw.
FAILURE_SHARE_OF_CEILING = 0.5
# Marks what a person must write before the card ships (tests/test_pretrained.py checks shipped cards).
TO_WRITE = "To be written"


def known_failures(evaluation: dict) -> list[str]:
  """The prompt sets whose joint accuracy is below FAILURE_SHARE_OF_CEILING of their group's
  ceiling, worst first, as "set (group): joint 0.12 of a ceiling 0.98"."""
  head = "joint" if "joint" in next(iter(evaluation["per_set"].values())) else evaluation["joint_heads"][0]
  failing = []
  for name, accuracy in evaluation["per_set"].items():
    ceiling = evaluation["groups"][accuracy["group"]]["ceiling"][head]
    if accuracy[head] < FAILURE_SHARE_OF_CEILING * ceiling:
      failing.append(
        (accuracy[head], f"{name} ({accuracy['group']}): {head} {accuracy[head]:.2f} of a ceiling {ceiling:.2f}")
      )
  return [line for _, line in sorted(failing)]


def skeleton(name: str, meta: dict, evaluation: dict | None, evaluation_source: str | None) -> str:
  """A card for the generator exported as `name` with `meta` (pretrained.export's meta.json) and
  the `vidgan eval` report of its step (None if there is none)."""
  config, training = meta["config"], meta["training"]
  clips = training["steps"] * training["batch_size"]
  lines = [
    f"# {name}: model card",
    "",
    f"Card written on {datetime.date.today().isoformat()} with vidgan_jax {__version__}.",
    "",
    "## Data",
    "",
    f"- Dataset: `{config['dataset']}` (TFDS builder and config), clips of {config['frames']}×{config['size']}×"
    f"{config['size']}; trained on its `train` split, evaluated on the held-out caption templates of the "
    "seen pairs and on the pairs never seen in training (docs/evaluation.md).",
    "",
    "## Training",
    "",
    f"- Command: `{training.get('command') or 'not recorded: give vidgan export --command'}`",
    f"- Steps: {training['steps']:,} of batch {training['batch_size']} ({clips:,} clips)",
    f"- Hardware: {training.get('hardware') or 'not recorded: give vidgan export --hardware'}",
    f"- Wall time: {training.get('wall_time') or 'not recorded: give vidgan export --wall_time'}",
    f"- Parameters: SHA-256 `{meta['sha256']}`",
    "",
    "## Evaluation",
    "",
  ]
  if evaluation is None:
    lines += [
      f"No evaluation of step {meta['step']} was found: run `vidgan eval --pretrained=FOLDER`, then export again.",
      "",
    ]
  else:
    lines += [
      f"`vidgan eval --pretrained={name}` (the report of step {evaluation['step']}, {evaluation_source}):",
      "",
      report_tables.markdown(evaluation),
      "## Known failures",
      "",
      f"Prompt sets drawn at under {FAILURE_SHARE_OF_CEILING:.0%} of the real clips' ceiling:",
      "",
    ]
    lines += [f"- {line}" for line in known_failures(evaluation)] or ["- none"]
    lines += [""]
  lines += [
    "## What the clips show",
    "",
    f"{TO_WRITE} after looking at `vidgan sample --pretrained=FOLDER` for seen and held-out prompts.",
    "",
    "## Intended use",
    "",
    f"Research on text-to-video generation from the captions of `{config['dataset']}`: it knows only the",
    "words of its training captions, and draws only what that dataset shows.",
    "",
  ]
  return "\n".join(lines)
