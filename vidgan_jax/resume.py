"""A run resumed with another config than its checkpoint's: every change named, and what follows.

Changes an exact resume carries (steps, intervals, evaluation, paths, rates and loss weights) go
on; a new global batch goes on from the example where the run stopped, not from the step; changes
that make the checkpoint meaningless (the model's shapes, the data) are refused unless asked for.
"""

import dataclasses
import json

import ml_collections

from vidgan_jax.configs import config_from_dict, flat_config

# Keys (or prefixes ending in ".") whose change makes the checkpoint meaningless for the run.
MEANINGLESS = (
  "model.",
  "text.",
  "dataset",
  "frames",
  "size",
  "label_key",
  "train_split",
  "factor_keys",
  "factor_classes",
)


class ConfigChangeRefused(ValueError):
  """A resume whose config changes what the checkpoint was trained as."""


@dataclasses.dataclass(frozen=True)
class InputStart:
  """Where this run's training stream begins: `example` examples into it (per process), at `step`."""

  example: int = 0
  step: int = 0

  def examples_read(self, step: int, process_batch: int) -> int:
    """Examples of the stream this process has trained on by `step`."""
    return self.example + (step - self.step) * process_batch


def changes(saved: dict, config: ml_collections.ConfigDict) -> dict[str, tuple]:
  """{key: (saved value, current value)} of every key whose value differs."""
  # Through JSON, as checkpoints hold configs: a tuple and the list it was saved as are equal.
  before = json.loads(json.dumps(flat_config(config_from_dict(saved))))
  after = json.loads(json.dumps(flat_config(config)))
  return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def _meaningless(key: str) -> bool:
  return any(key.startswith(p) if p.endswith(".") else key == p for p in MEANINGLESS)


def describe(changed: dict[str, tuple]) -> str:
  return ", ".join(f"{key} {old!r} → {new!r}" for key, (old, new) in changed.items())


def check(saved: dict, config: ml_collections.ConfigDict, allow: bool) -> dict[str, tuple]:
  """The changes of `config` from a checkpoint's `saved` config; ConfigChangeRefused naming those
  that make the checkpoint meaningless, unless `allow`."""
  changed = changes(saved, config)
  refused = {k: v for k, v in changed.items() if _meaningless(k)}
  if refused and not allow:
    raise ConfigChangeRefused(
      f"the workdir's checkpoint was trained with another model or data: {describe(refused)}; use another "
      "--workdir, or pass --allow_config_change to resume from it anyway"
    )
  return changed
