"""Train -> resume -> sample -> inspect on the tiny config, as a user runs them."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator

from vidgan_jax import __version__, checkpoints, model_card, train
from vidgan_jax.configs import check_config, config_from_dict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = (
  "train",
  "--config=experiments/tiny.py",
  "--config.eval_every_steps=6",
  "--config.profile_steps=2",
  "--config.profile_first_step=2",
)


def _vidgan(*args, check=True, devices=1):
  """Runs the console script in a fresh process on `devices` CPU devices (1: no XLA_FLAGS, as on
  a laptop), returning the completed process."""
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  if devices > 1:
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
  result = subprocess.run(
    [sys.executable, "-c", "from vidgan_jax.cli import main; main()", *args],
    capture_output=True,
    text=True,
    env=env,
    timeout=600,
    cwd=REPO,
  )
  if check and result.returncode != 0:
    raise AssertionError(f"vidgan {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
  return result


@pytest.fixture(scope="module")
def trained_workdir(tmp_path_factory, tiny_data_dir):
  """A workdir trained by `vidgan train` for 6 steps (checkpoints at 3 and 6, evaluation at 6, a
  profile of steps 2-4) on 8 fake devices, and its config.

  In a process of its own: a profiled run late in a long pytest session crashed the session's
  process (a segfault in CI); the tests check what a user's command writes, so they run it."""
  workdir = str(tmp_path_factory.mktemp("workdir"))
  _vidgan(*TRAIN, f"--workdir={workdir}", f"--config.data_dir={tiny_data_dir}", devices=8)
  with open(os.path.join(workdir, "config.json")) as f:
    return workdir, config_from_dict(json.load(f))


def test_training_writes_checkpoints_samples_and_logs(trained_workdir):
  workdir, _ = trained_workdir
  assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == ["3", "6"]
  assert os.path.exists(os.path.join(workdir, "samples", "step_0000006.gif"))
  events = event_accumulator.EventAccumulator(os.path.join(workdir, "tensorboard"))
  events.Reload()
  assert [e.step for e in events.Scalars("train/g_loss")] == [2, 4, 6]
  assert {"steps_per_sec", "uptime", "samples/clips"} <= set(events.Tags()["scalars"]) | set(events.Tags()["images"])
  assert list((Path(workdir) / "tensorboard" / "plugins" / "profile").glob("*/*.xplane.pb"))
  with open(os.path.join(workdir, "config.json")) as f:
    assert json.load(f)["num_train_steps"] == 6
  meta = checkpoints.read_meta(checkpoints.resolve_step_dir(workdir))
  assert meta["step"] == 6 and "tokenizer" in meta


def test_training_resumes_from_the_newest_checkpoint(trained_workdir, tmp_path):
  """On a copy: the shared workdir stays at step 6 for the other tests, whatever their order."""
  trained, config = trained_workdir
  workdir = shutil.copytree(trained, tmp_path / "run")
  _vidgan(
    *TRAIN,
    f"--workdir={workdir}",
    f"--config.data_dir={config.data_dir}",
    "--config.num_train_steps=8",
    "--config.checkpoint_every_steps=100",
    devices=8,
  )
  assert "8" in os.listdir(os.path.join(workdir, "checkpoints"))
  assert checkpoints.read_meta(checkpoints.resolve_step_dir(str(workdir)))["step"] == 8


def test_sample_writes_clips_and_is_repeatable(trained_workdir, tmp_path):
  workdir, _ = trained_workdir
  prompts = ["--prompt=a man plays golf in the swimming pool", "--prompt=someone sails a boat across the snow"]
  for out in ("a", "b"):
    _vidgan("sample", f"--workdir={workdir}", *prompts, "--num=2", "--seed=3", f"--out={tmp_path / out}")
  files = sorted(os.listdir(tmp_path / "a"))
  for suffix in ("_0.gif", "_1.mp4", "_0_gist.png"):
    assert any(f.startswith("00_a_man_plays_golf") and f.endswith(suffix) for f in files), (suffix, files)
  assert "grid.gif" in files
  first = np.asarray(Image.open(tmp_path / "a" / "grid.gif").convert("RGB"))
  again = np.asarray(Image.open(tmp_path / "b" / "grid.gif").convert("RGB"))
  np.testing.assert_array_equal(first, again)


def test_training_evaluates_into_tensorboard(trained_workdir):
  from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

  workdir, _ = trained_workdir
  events = EventAccumulator(os.path.join(workdir, "tensorboard"))
  events.Reload()
  tags = set(events.Tags()["scalars"])
  # (The tiny build has one real seen clip per pair: no real diversity there, so no seen ratio.)
  assert {
    "eval/seen/action_ratio",
    "eval/unseen/action_ratio",
    "eval/seen/frechet_clip",
    "eval/unseen/diversity_vs_real",
    "train/g_loss",
  } <= tags, tags
  assert 6 in [e.step for e in events.Scalars("eval/unseen/frechet_clip")]
  assert "samples/clips" in events.Tags()["images"]


def test_training_samples_play_in_tensorboard(trained_workdir):
  """Each sample step's grid is an animated GIF in the image dashboard, its prompts a text."""
  import io

  workdir, config = trained_workdir
  events = event_accumulator.EventAccumulator(os.path.join(workdir, "tensorboard"), size_guidance={"images": 0})
  events.Reload()
  clips = events.Images("samples/clips")
  assert [c.step for c in clips][-1] == 6
  gif = Image.open(io.BytesIO(clips[-1].encoded_image_string))
  assert gif.format == "GIF" and gif.n_frames == config.frames
  assert (gif.width, gif.height) == (clips[-1].width, clips[-1].height)
  assert "samples/prompts" in events.Tags()["tensors"]
  prompts = events.Tensors("samples/prompts")[-1].tensor_proto.string_val[0].decode()
  assert prompts.splitlines()[0] == f"1. {config.sample_prompts[0]}"


def test_an_exported_generator_samples_as_its_checkpoint(trained_workdir, tmp_path):
  workdir, _ = trained_workdir
  _vidgan("export", f"--workdir={workdir}", f"--out={tmp_path / 'export'}", "--hardware=CPU")
  args = ["--prompt=a man plays golf in the swimming pool", "--num=2", "--seed=1"]
  _vidgan("sample", f"--workdir={workdir}", *args, f"--out={tmp_path / 'from_checkpoint'}")
  _vidgan("sample", f"--pretrained={tmp_path / 'export'}", *args, f"--out={tmp_path / 'from_export'}")
  np.testing.assert_array_equal(
    np.asarray(Image.open(tmp_path / "from_checkpoint" / "grid.gif").convert("RGB")),
    np.asarray(Image.open(tmp_path / "from_export" / "grid.gif").convert("RGB")),
  )


def test_sample_rejects_an_empty_prompt(trained_workdir, tmp_path):
  workdir, _ = trained_workdir
  result = _vidgan("sample", f"--workdir={workdir}", "--prompt=  ", f"--out={tmp_path}", check=False)
  assert result.returncode != 0 and "prompt is empty" in result.stderr


def test_inspect_reports_the_checkpoint_without_loading_it(trained_workdir):
  workdir, _ = trained_workdir
  info = json.loads(_vidgan("inspect", workdir, "--json").stdout)
  assert info["step"] == 6
  assert info["parameter_counts"]["generator"] > 0 and info["parameter_counts"]["discriminator"] > 0
  assert {"g_params/text_encoder", "g_params/sketch", "g_params/refine", "d_params/video"} <= set(
    info["parameter_counts"]["per_module"]
  )
  kernel = info["parameters"]["g_params/refine/Text2Filter_0/Dense_0/kernel"]
  assert kernel["dtype"] == "float32" and len(kernel["shape"]) == 2
  assert info["config"]["dataset"] == "action_scenes/tiny"
  text = _vidgan("inspect", workdir).stdout
  assert "step 6" in text and "generator total" in text
  assert f"written by vidgan_jax {__version__}, read by vidgan_jax {__version__}" in text


def test_export_writes_a_card_with_the_steps_evaluation_that_inspect_prints(trained_workdir, tmp_path):
  """The card's table and known failures come from the report `vidgan eval` wrote in the workdir."""
  workdir = shutil.copytree(trained_workdir[0], tmp_path / "run")
  _vidgan("eval", f"--workdir={workdir}")
  report = json.loads((workdir / "eval_6" / "report.json").read_text())
  out = tmp_path / "export"
  command = "vidgan train --config=experiments/tiny.py"
  _vidgan(
    "export", f"--workdir={workdir}", f"--out={out}", f"--command={command}", "--hardware=2 CPU cores", "--name=tiny"
  )
  card = (out / model_card.CARD_FILE).read_text()
  assert card.startswith("# tiny: model card") and f"`{command}`" in card and "2 CPU cores" in card
  assert "`action_scenes/tiny`" in card and "Steps: 6 of batch 8 (48 clips)" in card
  # The card names the report as a path relative to where `vidgan export` ran (the repository).
  report_path = os.path.relpath(workdir / "eval_6" / "report.json", REPO)
  assert "| metric | seen | unseen | target |" in card and f"{report_path})" in card
  assert all(f"- {line}" in card for line in model_card.known_failures(report))
  printed = _vidgan("inspect", f"--pretrained={out}").stdout
  assert card.strip() in printed and f"read by vidgan_jax {__version__}" in printed


def test_version_is_the_installed_one():
  import importlib.metadata

  assert _vidgan("--version").stdout.strip() == f"vidgan_jax {importlib.metadata.version('vidgan_jax')}"


def test_eval_writes_a_report_table_and_grid(trained_workdir, tmp_path):
  workdir, _ = trained_workdir
  result = _vidgan("eval", f"--workdir={workdir}", f"--out={tmp_path}", f"--json={tmp_path / 'copy.json'}")
  assert "| metric | seen | unseen | target |" in result.stdout
  with open(tmp_path / "report.json") as f:
    report = json.load(f)
  assert report["step"] == checkpoints.read_meta(checkpoints.resolve_step_dir(workdir))["step"]
  assert report["eval_config"]["num_per_pair"] == 4
  for group in ("seen", "unseen"):
    scores = report["groups"][group]
    assert scores["clips"] == 4 * (20 if group == "seen" else 10)
    assert 0.0 <= scores["accuracy"]["joint"] <= 1.0 and scores["frechet_clip"] > 0.0
    assert scores["diversity"] > 0.0 and scores["temporal_change"] > 0.0
  assert report["per_set"]["golf-pool"]["group"] == "unseen"
  assert len(report["prompts"]["sailing-snow"]) == 2
  assert (tmp_path / "copy.json").read_text() == (tmp_path / "report.json").read_text()
  assert "| golf-pool | unseen |" in (tmp_path / "report.md").read_text()
  grid = Image.open(tmp_path / "grid.gif")
  assert grid.n_frames == 8 and grid.size[1] > 30 * 16


def test_inspect_names_a_missing_checkpoint(tmp_path):
  result = _vidgan("inspect", str(tmp_path), check=False)
  assert result.returncode != 0 and "no checkpoint found" in result.stderr


def test_unknown_config_key_is_named(tiny_config):
  with pytest.raises(ValueError, match="did you mean 'batch_size'"):
    tiny_config.unlock()
    tiny_config.batchsize = 4
    check_config(tiny_config)


def test_wrongly_typed_config_value_is_named(tiny_config):
  saved = tiny_config.to_dict()
  saved["model"]["dtype"] = 16  # E.g. a hand-edited config.json.
  with pytest.raises(ValueError, match="'model.dtype' should be str"):
    config_from_dict(saved)


def test_train_command_rejects_unknown_override(tmp_path):
  result = _vidgan(
    "train", "--config=experiments/tiny.py", f"--workdir={tmp_path}", "--config.batchsize=4", check=False
  )
  assert result.returncode != 0 and "batchsize" in result.stderr


def test_indivisible_batch_is_an_error_at_start_up(tiny_config, tmp_path):
  tiny_config.batch_size = 12
  with pytest.raises(ValueError, match="not divisible by the 8 devices"):
    train.train_and_evaluate(tiny_config, str(tmp_path))
  assert not os.path.exists(os.path.join(tmp_path, "checkpoints"))
