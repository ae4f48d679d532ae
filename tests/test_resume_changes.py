"""A run resumed with a changed config (vidgan_jax/resume.py): each change named old → new; a new
global batch reads on from the example where the run stopped; a new model or dataset is refused."""

import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from experiments import tiny
from vidgan_jax import checkpoints, resume, train
from vidgan_jax.batch_layout import BatchLayout
from vidgan_jax.batches import process_batches

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.fast
def test_changes_are_named_and_a_new_model_refused_unless_allowed():
  saved = tiny.get_config().to_dict()
  config = tiny.get_config()
  config.batch_size, config.num_train_steps = 16, 99
  changed = resume.check(saved, config, allow=False)
  assert changed == {"batch_size": (8, 16), "num_train_steps": (saved["num_train_steps"], 99)}
  assert resume.describe(changed).startswith("batch_size 8 → 16, num_train_steps")
  config.model.z_dim = saved["model"]["z_dim"] + 1
  with pytest.raises(resume.ConfigChangeRefused, match=r"model.z_dim .* --allow_config_change"):
    resume.check(saved, config, allow=False)
  assert "model.z_dim" in resume.check(saved, config, allow=True)


@pytest.mark.fast
def test_a_new_batch_size_skips_and_repeats_no_example_of_the_epoch():
  """3 batches of 4, then batches of 6 from example 12: the first epoch's 20 examples each once,
  and the whole stream as one run with batches of 4 reads it."""
  examples = [{"i": np.int32(i)} for i in range(20)]

  def read(batch, start, count):
    batches = process_batches(examples, BatchLayout(batch, 1, 1), seed=3, start_example=start)
    return [int(i) for k in range(count) for i in batches[k]["i"]]

  stream = read(4, 0, 3) + read(6, resume.InputStart().examples_read(3, 4), 4)
  assert sorted(stream[:20]) == list(range(20)) and stream == read(4, 0, 9)


@pytest.fixture
def run(four_step_run, tmp_path):
  """A copy of the session's 4-step run, to resume."""
  workdir, config = four_step_run
  return shutil.copytree(workdir, tmp_path / "run"), config.copy_and_resolve_references()


def test_a_run_resumed_with_a_new_batch_names_it_and_reads_on_from_its_example(run, caplog):
  workdir, config = run
  config.batch_size, config.num_train_steps = 16, 6
  with caplog.at_level(logging.WARNING, logger="vidgan_jax"):
    train.train_and_evaluate(config, str(workdir))
  assert "resuming with a changed config: batch_size 8 → 16, num_train_steps 4 → 6" in caplog.text
  meta = checkpoints.read_meta(workdir / "checkpoints" / "6")
  assert meta["input_start"] == {"example": 4 * 8, "step": 4}


def test_a_new_model_is_refused_in_one_line(run, tiny_data_dir):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  command = [
    os.path.join(os.path.dirname(sys.executable), "vidgan"), "train", "--config=experiments/tiny.py",
    f"--workdir={run[0]}", f"--config.data_dir={tiny_data_dir}", "--config.model.z_dim=3",
  ]  # fmt: skip
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
  errors = [line for line in result.stderr.splitlines() if line.startswith("vidgan train:")]
  assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
  assert len(errors) == 1 and "model.z_dim" in errors[0] and "--allow_config_change" in errors[0]
