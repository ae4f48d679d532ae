"""Checks an experiment config against the schema of `vidgan_jax/default_config.py`, and loads
experiment files by path (they are files, as `--config=experiments/X.py` names them, not a package)."""

import difflib
import importlib.util
import os

import ml_collections

from vidgan_jax import default_config


def flat_config(config: ml_collections.ConfigDict, prefix: str = "") -> dict:
  """{"model.z_dim": 32, ...}: every leaf under its dotted key (as the command-line overrides name it)."""
  flat = {}
  for key, value in config.items():
    if isinstance(value, ml_collections.ConfigDict):
      flat.update(flat_config(value, f"{prefix}{key}."))
    else:
      flat[f"{prefix}{key}"] = value
  return flat


# Keys that configs once had, and why they went: a saved config's are dropped, a new config's refused.
RETIRED = {
  "shuffle_buffer": "Grain shuffles the whole split by position; no buffer is needed",
  "cache_dataset": "clips are read by position from ArrayRecord files each epoch; there is no cache",
}


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises ValueError naming any key the default config lacks, or a value of the wrong type."""
  schema = flat_config(default_config.get_config())
  for key, value in flat_config(config).items():
    if key in RETIRED:
      raise ValueError(f"config key {key!r} is retired: {RETIRED[key]}; remove it")
    if key not in schema:
      close = difflib.get_close_matches(key, schema, n=1)
      hint = f" (did you mean {close[0]!r}?)" if close else ""
      raise ValueError(f"unknown config key {key!r}{hint}")
    expected = schema[key]
    if expected is None or value is None:
      continue
    numeric = (int, float)
    if isinstance(expected, bool) != isinstance(value, bool) or not (
      isinstance(value, type(expected))
      or (isinstance(expected, numeric) and isinstance(value, numeric))
      or (isinstance(expected, (tuple, list)) and isinstance(value, (tuple, list)))
    ):
      raise ValueError(f"config key {key!r} should be {type(expected).__name__}, got {value!r}")


def config_from_dict(data: dict) -> ml_collections.ConfigDict:
  """Rebuilds a config saved with `config.to_dict()` (as JSON) and checks it.

  Keys the saved config lacks (added to `default_config.py` after it was written) take their defaults
  and retired keys are dropped, so that older checkpoints stay usable.
  """
  saved = ml_collections.ConfigDict({k: v for k, v in data.items() if k not in RETIRED})
  check_config(saved)
  config = default_config.get_config()
  config.update(saved)
  return config


def load_config_file(path: str | os.PathLike) -> ml_collections.ConfigDict:
  """`get_config()` of the experiment file at `path`, e.g. for an experiment built on another:
  `load_config_file(pathlib.Path(__file__).with_name("paper.py"))`."""
  spec = importlib.util.spec_from_file_location(f"_vidgan_experiment_{os.path.basename(path)[:-3]}", path)
  if spec is None or not os.path.isfile(path):
    raise FileNotFoundError(f"no experiment config file at {path}")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config()
