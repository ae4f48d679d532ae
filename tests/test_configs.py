"""Experiment files load by path from anywhere: `experiments` is not an installed package."""

import glob
import os
import subprocess
import sys

import pytest

from vidgan_jax.configs import check_config, config_from_dict, load_config_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Every experiment file; variants.py names overrides of them (for results rows), it is not one.
EXPERIMENTS = sorted(
  p for p in glob.glob(os.path.join(ROOT, "experiments", "[!_]*.py")) if os.path.basename(p) != "variants.py"
)


def test_every_experiment_loads_outside_the_repository(tmp_path):
  """In a process started elsewhere (as `vidgan --config=...` runs from any directory), every
  experiment, including those built on another, loads and passes the config check."""
  script = (
    "import sys\n"
    "from vidgan_jax.configs import check_config, load_config_file\n"
    "try:\n"
    "  import experiments\n"
    "  sys.exit('experiments is importable here')\n"
    "except ImportError:\n"
    "  pass\n"
    "for path in sys.argv[1:]:\n"
    "  check_config(load_config_file(path))\n"
    "  print('loaded', path)\n"
  )
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
  result = subprocess.run(
    [sys.executable, "-c", script, *EXPERIMENTS], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
  )
  assert result.returncode == 0, result.stdout + result.stderr
  assert result.stdout.count("loaded") == len(EXPERIMENTS) >= 6


@pytest.mark.fast
def test_a_derived_experiment_keeps_its_base_and_its_changes():
  paper = load_config_file(os.path.join(ROOT, "experiments", "paper.py"))
  pod = load_config_file(os.path.join(ROOT, "experiments", "tpu_pod.py"))
  check_config(pod)
  assert (pod.frames, pod.size) == (paper.frames, paper.size)
  assert pod.batch_size == 512 != paper.batch_size


@pytest.mark.fast
def test_a_missing_experiment_file_is_named(tmp_path):
  with pytest.raises(FileNotFoundError, match="no experiment config file at .*nope.py"):
    load_config_file(tmp_path / "nope.py")


@pytest.mark.fast
def test_every_named_variant_overrides_known_keys_with_valid_values():
  from experiments.variants import VARIANTS

  proxy = load_config_file(os.path.join(ROOT, "experiments", "proxy.py"))
  for overrides in VARIANTS.values():
    config = proxy.copy_and_resolve_references()
    config.update_from_flattened_dict(overrides)  # A value of the wrong type raises here,
    check_config(config)  # a key the schema lacks here.


@pytest.mark.fast
@pytest.mark.parametrize(
  "overrides, message",
  [
    ({"loss.gan": "hing"}, "config key 'loss.gan' is 'hing': use one of 'hinge', 'non_saturating'"),
    ({"model.conv3d": "fast"}, "config key 'model.conv3d' is 'fast': use one of 'per_frame', 'native'"),
    ({"batch_size": 0}, "config key 'batch_size' is 0: it must be > 0"),
    ({"loss.encoded_fraction": 1.5}, r"config key 'loss.encoded_fraction' is 1.5: it must be in \(0, 1\]"),
    ({"optim.g_learning_rate": -1e-4}, "config key 'optim.g_learning_rate' is -0.0001: it must be > 0"),
    ({"model.disc_widths": (16, 0)}, r"config key 'model.disc_widths' is \(16, 0\): it must be > 0"),
    ({"input_workers": -2}, "config key 'input_workers' is -2: it must be >= -1"),
    ({"mismatch": "one_factor"}, "config key 'mismatch' is 'one_factor', which needs config.factor_keys"),
    ({"model.factor_bottleneck": True}, "needs config.factor_keys and config.factor_classes"),
    ({"model.background_factors": ("scene",)}, "needs model.factor_bottleneck=True and model.layered=True"),
    ({"loss.background_l1_weight": 1.0}, "'loss.background_l1_weight' is 1.0, which needs model.layered=True"),
    ({"model.factor_readout": "words"}, "'model.factor_readout' is 'words', which needs model.factor_bottleneck=True"),
    ({"model.disc_classifier": "ac"}, "'model.disc_classifier' is 'ac', which needs config.factor_keys and config"),
    ({"model.disc_classifier": "acgan"}, "'model.disc_classifier' is 'acgan': use one of 'none', 'ac'"),
    ({"model.factor_readout": "word"}, "'model.factor_readout' is 'word': use one of 'sentence', 'words'"),
    ({"loss.mode_seeking_weight": 0.1}, "'loss.mode_seeking_weight' is 0.1, which needs config.factor_keys"),
    ({"loss.mode_seeking_weight": -0.1}, "'loss.mode_seeking_weight' is -0.1: it must be >= 0"),
    (
      {
        "factor_keys": ("action", "scene"),
        "factor_classes": (10, 6),
        "loss.mode_seeking_weight": 0.1,
        "loss.encoded_fraction": 1.0,
      },
      r"'loss.mode_seeking_weight' is 0.1, which needs loss.encoded_fraction < 1 with model.clip_encoder",
    ),
    (
      {
        "factor_keys": ("action", "scene"),
        "factor_classes": (10, 6),
        "model.factor_bottleneck": True,
        "model.layered": True,
        "model.background_factors": ("action", "scene"),
      },
      "leaving at least one for the foreground stream",
    ),
    (
      {"loss.latent_regression_weight": 0.1, "loss.encoded_fraction": 1.0},
      r"'loss.latent_regression_weight' is 0.1, which needs loss.encoded_fraction < 1",
    ),
  ],
)
def test_a_value_outside_what_a_key_allows_is_named(overrides, message):
  config = load_config_file(os.path.join(ROOT, "experiments", "tiny.py"))
  config.update_from_flattened_dict(overrides)
  with pytest.raises(ValueError, match=message):
    check_config(config)


@pytest.mark.fast
def test_train_refuses_a_wrong_value_in_one_line_before_any_work(tmp_path):
  """As typed: the value is named on one line, nothing is built or written, no traceback."""
  result = subprocess.run(
    [
      sys.executable,
      "-m",
      "vidgan_jax",
      "train",
      f"--config={ROOT}/experiments/tiny.py",
      f"--workdir={tmp_path}/run",
      f"--config.data_dir={tmp_path}/data",
      "--config.loss.gan=hing",
    ],
    capture_output=True,
    text=True,
    timeout=300,
  )
  assert result.returncode == 2
  assert result.stderr.strip() == "vidgan train: config key 'loss.gan' is 'hing': use one of 'hinge', 'non_saturating'"
  assert not (tmp_path / "data").exists() and not (tmp_path / "run").exists()


@pytest.mark.fast
def test_a_retired_key_is_dropped_from_a_saved_config_and_refused_in_a_new_one():
  """A checkpoint saved while model.disc_factor_projection existed still loads; a config that
  sets it now is told why it went."""
  config = load_config_file(os.path.join(ROOT, "experiments", "tiny.py"))
  saved = config.to_dict()
  saved["model"]["disc_factor_projection"] = False
  saved["shuffle_buffer"] = 1000
  restored = config_from_dict(saved)
  assert "disc_factor_projection" not in restored.model and "shuffle_buffer" not in restored
  assert restored.model.to_dict() == config.model.to_dict()
  config.model.unlock()
  config.model.disc_factor_projection = True
  with pytest.raises(ValueError, match="'model.disc_factor_projection' is retired: the factorised verdict did nothing"):
    check_config(config)
