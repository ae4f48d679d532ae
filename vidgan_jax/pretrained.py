"""Generators shipped inside the package: EMA weights, config and tokenizer, checked when loaded.

A shipped generator is a folder holding `params.msgpack` (the EMA generator's parameters that
sampling uses, flax serialisation; the training-only clip encoder is left out) and `meta.json`
(config, tokenizer, step, the SHA-256 of the parameters and how it was trained). `vidgan sample
--pretrained=NAME` and `vidgan eval --pretrained=NAME` load it by name (`action_scenes/32px` is
`vidgan_jax/shipped_generators/action_scenes/32px/`) or by folder path.
"""

import hashlib
import json
import os

import flax.serialization
import jax
from etils import epath

from vidgan_jax import checkpoints, paths
from vidgan_jax.configs import config_from_dict
from vidgan_jax.inference import TrainedGenerator
from vidgan_jax.models import build_models
from vidgan_jax.text import Tokenizer
from vidgan_jax.train_step import abstract_generator_params

PRETRAINED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shipped_generators")
PARAMS_FILE, META_FILE = "params.msgpack", "meta.json"


class PretrainedError(ValueError):
  """A shipped generator that is missing, damaged or does not fit its own config."""


def available() -> list[str]:
  """Names of the generators shipped in the package, e.g. ['action_scenes/32px']."""
  names = []
  for root, _, files in os.walk(PRETRAINED_DIR):
    if META_FILE in files:
      names.append(os.path.relpath(root, PRETRAINED_DIR).replace(os.sep, "/"))
  return sorted(names)


def resolve(name_or_path: str) -> epath.Path:
  """The folder of a shipped name or of a folder path (local or a URI such as gs://...);
  PretrainedError naming the choices if none."""
  for folder in (epath.Path(PRETRAINED_DIR, *name_or_path.split("/")), paths.resolve(name_or_path)):
    if (folder / META_FILE).is_file():
      return folder
  raise PretrainedError(
    f"no pretrained generator {name_or_path!r}: shipped ones are "
    f"{', '.join(available()) or 'none'}, or give a folder holding "
    f"{META_FILE} and {PARAMS_FILE}"
  )


def export(model: TrainedGenerator, folder: str, training: dict) -> str:
  """Writes `model`'s EMA parameters and metadata to `folder`; returns the parameters' SHA-256.

  `training` records how the weights were made (command, steps, hardware, wall time).
  """
  data = flax.serialization.to_bytes(_sampling_params(jax.device_get(model.params)))
  digest = hashlib.sha256(data).hexdigest()
  folder = paths.resolve(folder)
  folder.mkdir(parents=True, exist_ok=True)
  (folder / PARAMS_FILE).write_bytes(data)
  meta = {
    "step": model.step,
    "sha256": digest,
    "training": training,
    "config": model.config.to_dict(),
    "tokenizer": model.tokenizer.to_json(),
  }
  (folder / META_FILE).write_text(json.dumps(meta, indent=1))
  return digest


def load(name_or_path: str) -> TrainedGenerator:
  """The generator `name_or_path` names, its parameters checked against their recorded SHA-256
  and against the shapes its config builds."""
  folder = resolve(name_or_path)
  meta_path, params_path = folder / META_FILE, folder / PARAMS_FILE
  try:
    meta = json.loads(meta_path.read_text())
    config, tokenizer = config_from_dict(meta["config"]), Tokenizer.from_json(meta["tokenizer"])
    step, expected = int(meta["step"]), meta["sha256"]
  except (OSError, ValueError, KeyError, TypeError) as e:
    raise PretrainedError(f"{meta_path} is damaged ({type(e).__name__}: {e})") from None
  try:
    data = params_path.read_bytes()
  except OSError as e:
    raise PretrainedError(f"{params_path} cannot be read ({e.strerror or e})") from None
  if hashlib.sha256(data).hexdigest() != expected:
    raise PretrainedError(f"{params_path} is damaged: its SHA-256 differs from the one in {meta_path}")
  generator, _ = build_models(config, tokenizer.vocab_size)
  target = _sampling_params(abstract_generator_params(config, generator))
  try:
    params = flax.serialization.from_bytes(target, data)
  except (ValueError, KeyError, TypeError) as e:
    raise PretrainedError(f"{params_path} does not fit the generator its config builds ({e})") from None
  mismatched = checkpoints.tree_differences(params, target)
  if mismatched:
    raise PretrainedError(f"{params_path}: parameters that do not fit its config: {'; '.join(mismatched)}")
  return TrainedGenerator(generator, params, tokenizer, config, step)


def _sampling_params(params: dict) -> dict:
  """The parameters `Generator.sample` uses: all but the clip encoder, which only training needs."""
  return {name: tree for name, tree in params.items() if name != "clip_encoder"}
