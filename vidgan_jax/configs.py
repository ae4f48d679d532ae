"""Checks an experiment config against the schema of `vidgan_jax/default_config.py`, and loads
experiment files by path (they are files, as `--config=experiments/X.py` names them, not a package)."""

import difflib
import importlib.util
import os

import ml_collections

from vidgan_jax import default_config, losses
from vidgan_jax.batches import MISMATCH_POLICIES
from vidgan_jax.models import DTYPES
from vidgan_jax.models.text_encoder import FACTOR_READOUTS


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
  "model.disc_factor_projection": "the factorised verdict did nothing measurable on the CPU proxy (docs/results.md)",
  "model.gist_skip": "the refine stage without the gist image at its last layer moved nothing beyond the seeds' "
  "spread on the CPU proxy (docs/results.md)",
  **dict.fromkeys(
    ["loss.diversity_weight", "loss.diversity_clamp", "loss.diversity_pool"],
    "the diversity term bought its distance with pixel noise on the CPU proxy (docs/results.md)",
  ),
  **dict.fromkeys(
    ["loss.foreground_area_weight", "loss.foreground_binary_weight"],
    "the mask terms thinned the agent stream without raising held-out action on the CPU proxy (docs/results.md)",
  ),
  "model.noise_to_foreground_only": "keeping the noise from the background stream cost diversity on the CPU proxy "
  "without raising held-out joint (docs/results.md)",
  **dict.fromkeys(
    ["model.frame_disc_frames", "loss.frame_gan_weight"],
    "a second, per-frame discriminator cost diversity on the CPU proxy without raising held-out joint "
    "(docs/results.md)",
  ),
}


# Options with a fixed set of values (those a module defines, from that module).
CHOICES = {
  "input": ("tfds", "rendered"),
  "init_rng_impl": ("rbg", "unsafe_rbg", "threefry2x32"),
  "mismatch": MISMATCH_POLICIES,
  "nonfinite_policy": ("skip", "stop"),
  "model.dtype": tuple(DTYPES),
  "model.upsample": ("subpixel", "transpose"),
  "model.downsample": ("space_to_depth", "strided"),
  "model.conv3d": ("per_frame", "native"),  # The default first; models.layers.CONV3D_IMPLS holds the same.
  "model.gist_target": ("mean", "first"),
  "model.motion_code": ("vector", "spatial"),
  "model.disc_conditioning": ("projection", "concat"),
  "model.disc_classifier": ("none", "ac"),
  "model.factor_readout": FACTOR_READOUTS,
  "loss.gan": losses.GAN_LOSSES,
}

# Counts, rates and fractions: (test, what is allowed); a tuple's every element is tested.
_POSITIVE = (lambda v: v > 0, "> 0")
_NON_NEGATIVE = (lambda v: v >= 0, ">= 0")
RANGES = {
  **dict.fromkeys(
    [
      "batch_size",
      "num_train_steps",
      "log_every_steps",
      "sample_every_steps",
      "checkpoint_every_steps",
      "keep_checkpoints",
      "frames",
      "size",
      "text.vocab_size",
      "text.max_length",
      "model.text_embed_dim",
      "model.text_layers",
      "model.text_heads",
      "model.text_dim",
      "model.z_dim",
      "model.gist_width",
      "model.refine_width",
      "model.filters",
      "model.filter_size",
      "model.noise_dim",
      "model.motion_channels",
      "model.encoder_widths",
      "model.disc_widths",
      "model.disc_text_dim",
      "optim.g_learning_rate",
      "optim.d_learning_rate",
      "eval.num_per_pair",
      "eval.train_num_per_pair",
      "eval.prompts_per_pair",
      "eval.batch_size",
      "eval.frame_samples",
      "eval.classifier.frame_widths",
      "eval.classifier.clip_widths",
      "eval.classifier.feature_dim",
      "eval.classifier.train_steps",
      "eval.classifier.batch_size",
      "eval.classifier.learning_rate",
    ],
    _POSITIVE,
  ),
  **dict.fromkeys(
    [
      "seed",
      "eval_every_steps",
      "replica_check_every_steps",
      "profile_steps",
      "profile_first_step",
      "eval.seed",
      "eval.classifier.seed",
      "loss.gamma_cvae",
      "loss.kl_weight",
      "loss.gamma_gan",
      "loss.gamma_l1",
      "loss.clip_kl_weight",
      "loss.clip_kl_free_nats",
      "loss.kl_free_nats",
      "loss.r1_weight",
      "loss.latent_regression_weight",
      "loss.disc_classifier_weight",
      "loss.mode_seeking_weight",
    ],
    _NON_NEGATIVE,
  ),
  "input_workers": (lambda v: v >= -1, ">= -1 (-1: one per core, 0: none)"),
  "loss.mismatch_weight": (lambda v: 0 <= v <= 1, "in [0, 1]"),
  "loss.encoded_fraction": (lambda v: 0 < v <= 1, "in (0, 1]"),
  "ema_decay": (lambda v: 0 <= v < 1, "in [0, 1)"),
  "optim.b1": (lambda v: 0 <= v < 1, "in [0, 1)"),
  "optim.b2": (lambda v: 0 <= v < 1, "in [0, 1)"),
}


def check_values(config: ml_collections.ConfigDict) -> None:
  """Raises ValueError naming the first key whose value is not one of its choices, lies outside
  its range, or needs an option that is off. Keys `config` lacks take their defaults."""
  full = default_config.get_config()
  full.update(config)
  flat = flat_config(full)
  for key, allowed in CHOICES.items():
    if key in flat and flat[key] not in allowed:
      raise ValueError(f"config key {key!r} is {flat[key]!r}: use one of {', '.join(map(repr, allowed))}")
  for key, (test, allowed) in RANGES.items():
    value = flat.get(key)
    values = value if isinstance(value, (tuple, list)) else (value,)
    if value is not None and not all(test(v) for v in values):
      raise ValueError(f"config key {key!r} is {value!r}: it must be {allowed}")
  for key, needs, message in _DEPENDENCIES:
    if key in flat and flat[key] and not needs(flat):
      raise ValueError(f"config key {key!r} is {flat[key]!r}, which needs {message}")


_FACTORS = "config.factor_keys and config.factor_classes, e.g. ('action', 'scene') and (10, 6)"


def _has_factors(f: dict) -> bool:
  """Whether the flat config names factor keys, with a class count for each."""
  return bool(f["factor_keys"]) and len(f["factor_keys"]) == len(f["factor_classes"])


# (key, test of the whole config that must hold while the key is set, what it needs).
_DEPENDENCIES = [
  ("loss.latent_regression_weight", lambda f: f["model.clip_encoder"], "model.clip_encoder=True"),
  (
    "loss.latent_regression_weight",
    lambda f: f["loss.encoded_fraction"] < 1,
    "loss.encoded_fraction < 1 (some examples made from prior noise)",
  ),
  ("loss.background_l1_weight", lambda f: f["model.layered"], "model.layered=True (a background stream)"),
  ("model.factor_bottleneck", _has_factors, _FACTORS),
  ("model.disc_classifier", lambda f: f["model.disc_classifier"] == "none" or _has_factors(f), _FACTORS),
  ("loss.mode_seeking_weight", _has_factors, _FACTORS),
  (
    "loss.mode_seeking_weight",
    lambda f: not f["model.clip_encoder"] or f["loss.encoded_fraction"] < 1,
    "loss.encoded_fraction < 1 with model.clip_encoder (some examples made from prior noise)",
  ),
  ("mismatch", lambda f: f["mismatch"] != "one_factor" or bool(f["factor_keys"]), "config.factor_keys (one_factor)"),
  (
    "model.factor_readout",
    lambda f: f["model.factor_readout"] == "sentence" or f["model.factor_bottleneck"],
    "model.factor_bottleneck=True",
  ),
  (
    "model.background_factors",
    lambda f: f["model.factor_bottleneck"] and f["model.layered"],
    "model.factor_bottleneck=True and model.layered=True",
  ),
  (
    "model.background_factors",
    lambda f: set(f["model.background_factors"]) < set(f["factor_keys"]),
    "names from config.factor_keys, leaving at least one for the foreground stream",
  ),
]


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises ValueError naming any key the default config lacks, a value of the wrong type, or a
  value outside what the key allows (`check_values`)."""
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
  check_values(config)


def _without_retired(data: dict, prefix: str = "") -> dict:
  """`data` (nested dicts) without the keys of RETIRED, at any depth."""
  return {
    k: _without_retired(v, f"{prefix}{k}.") if isinstance(v, dict) else v
    for k, v in data.items()
    if f"{prefix}{k}" not in RETIRED
  }


def config_from_dict(data: dict) -> ml_collections.ConfigDict:
  """Rebuilds a config saved with `config.to_dict()` (as JSON) and checks it.

  Keys the saved config lacks (added to `default_config.py` after it was written) take their defaults
  and retired keys are dropped, so that older checkpoints stay usable.
  """
  saved = ml_collections.ConfigDict(_without_retired(data))
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
