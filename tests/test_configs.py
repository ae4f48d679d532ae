"""Experiment files load by path from anywhere: `experiments` is not an installed package."""

import glob
import os
import subprocess
import sys

import pytest

from vidgan_jax.configs import check_config, load_config_file

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


def test_a_derived_experiment_keeps_its_base_and_its_changes():
  paper = load_config_file(os.path.join(ROOT, "experiments", "paper.py"))
  pod = load_config_file(os.path.join(ROOT, "experiments", "tpu_pod.py"))
  check_config(pod)
  assert (pod.frames, pod.size) == (paper.frames, paper.size)
  assert pod.batch_size == 512 != paper.batch_size


def test_a_missing_experiment_file_is_named(tmp_path):
  with pytest.raises(FileNotFoundError, match="no experiment config file at .*nope.py"):
    load_config_file(tmp_path / "nope.py")


def test_every_named_variant_overrides_known_keys_with_valid_values():
  from experiments.variants import VARIANTS

  proxy = load_config_file(os.path.join(ROOT, "experiments", "proxy.py"))
  for overrides in VARIANTS.values():
    config = proxy.copy_and_resolve_references()
    config.update_from_flattened_dict(overrides)  # A value of the wrong type raises here,
    check_config(config)  # a key the schema lacks here.
