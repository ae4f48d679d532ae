"""The generator shipped in the package: sampled and checked as a user runs it, on a fresh process."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from vidgan_jax import model_card, pretrained

VIDGAN = os.path.join(os.path.dirname(sys.executable), "vidgan")  # The console script pip installed.
SHIPPED = "action_scenes/32px"


def _run(*args):
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  return subprocess.run([VIDGAN, *args], capture_output=True, text=True, env=env, timeout=600)


def test_the_shipped_generator_samples_from_the_command_line(tmp_path):
  result = _run(
    "sample",
    f"--pretrained={SHIPPED}",
    "--prompt=a man plays golf on the grass",
    "--prompt=someone sails a boat across the snow",
    "--num=2",
    f"--out={tmp_path}",
  )
  assert result.returncode == 0, result.stderr
  step = json.loads((pretrained.resolve(SHIPPED) / pretrained.META_FILE).read_text())["step"]
  assert f"from step {step} " in result.stdout
  files = os.listdir(tmp_path)
  assert "grid.gif" in files and "00_a_man_plays_golf_on_the_grass_1.mp4" in files


def test_an_unknown_name_lists_the_shipped_ones(tmp_path):
  result = _run("sample", "--pretrained=action_scenes/128px", "--prompt=golf", f"--out={tmp_path}")
  assert result.returncode != 0 and SHIPPED in result.stderr and "Traceback" not in result.stderr


def test_damaged_weights_are_named_not_loaded(tmp_path):
  folder = tmp_path / "copy"
  shutil.copytree(pretrained.resolve(SHIPPED), folder)
  data = bytearray((folder / pretrained.PARAMS_FILE).read_bytes())
  data[len(data) // 2] ^= 0xFF
  (folder / pretrained.PARAMS_FILE).write_bytes(bytes(data))
  result = _run("sample", f"--pretrained={folder}", "--prompt=golf", f"--out={tmp_path / 'out'}")
  assert result.returncode != 0 and "Traceback" not in result.stderr
  assert f"{folder / pretrained.PARAMS_FILE} is damaged" in result.stderr


def test_weights_that_do_not_fit_their_config_are_named(tmp_path):
  folder = tmp_path / "copy"
  shutil.copytree(pretrained.resolve(SHIPPED), folder)
  meta = json.loads((folder / pretrained.META_FILE).read_text())
  meta["config"]["model"]["refine_width"] *= 2
  (folder / pretrained.META_FILE).write_text(json.dumps(meta))
  with pytest.raises(pretrained.PretrainedError, match="refine"):
    pretrained.load(str(folder))


def test_a_damaged_metadata_file_is_named(tmp_path):
  folder = tmp_path / "copy"
  shutil.copytree(pretrained.resolve(SHIPPED), folder)
  (folder / pretrained.META_FILE).write_text("{not json")
  with pytest.raises(pretrained.PretrainedError, match="meta.json is damaged"):
    pretrained.load(str(folder))


def test_the_shipped_generator_is_small():
  size = os.path.getsize(os.path.join(pretrained.resolve(SHIPPED), pretrained.PARAMS_FILE))
  assert size <= 20e6


@pytest.mark.fast
def test_known_failures_are_the_sets_under_half_their_ceiling_worst_first():
  ceiling = {"joint": 0.8}
  evaluation = {
    "joint_heads": ["action", "scene"],
    "groups": {"seen": {"ceiling": ceiling}, "unseen": {"ceiling": ceiling}},
    "per_set": {
      "golf-grass": {"group": "seen", "joint": 0.7},
      "golf-pool": {"group": "unseen", "joint": 0.3},
      "sailing-snow": {"group": "unseen", "joint": 0.1},
      "hockey-rink": {"group": "seen", "joint": 0.4},
    },
  }
  assert model_card.known_failures(evaluation) == [
    "sailing-snow (unseen): joint 0.10 of a ceiling 0.80",
    "golf-pool (unseen): joint 0.30 of a ceiling 0.80",
  ]


@pytest.mark.fast
@pytest.mark.parametrize("name", pretrained.available())
def test_every_shipped_generator_has_a_finished_card_of_its_weights(name):
  folder = pretrained.resolve(name)
  card = (folder / model_card.CARD_FILE).read_text()
  meta = json.loads((folder / pretrained.META_FILE).read_text())
  assert model_card.TO_WRITE not in card and meta["sha256"] in card
  assert f"Steps: {meta['training']['steps']:,} of batch {meta['training']['batch_size']}" in card
