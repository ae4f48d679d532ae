"""Training on clips rendered in-process (config.input="rendered"): the same clips as a build,
exact resume positions, and a run where TensorFlow cannot be imported."""

import os
import subprocess
import sys

import numpy as np

from vidgan_jax import batches, input_pipeline, rendered_input
from vidgan_jax.batch_layout import BatchLayout
from vidgan_jax.text import Tokenizer


def test_rendered_clips_are_the_built_ones(tiny_data_dir):
  rendered = rendered_input.render_split("action_scenes/tiny", "train", workers=2)
  builder = input_pipeline.load_builder("action_scenes/tiny", tiny_data_dir)
  by_caption = {}
  for example in input_pipeline.open_split(builder, "train"):
    by_caption.setdefault(example["caption"], []).append(example["video"])
  assert len(rendered["label"]) == builder.info.splits["train"].num_examples
  for caption, video in zip(rendered["caption"], rendered["video"]):
    assert any(np.array_equal(video, v) for v in by_caption[caption])


def test_batches_resume_at_any_position():
  data = {
    "video": np.arange(40, dtype=np.uint8).reshape(40, 1, 1, 1, 1).repeat(3, -1),
    "caption": np.array([f"clip {i}".encode() for i in range(40)], dtype=object),
    "label": np.arange(40) % 5,
  }
  tokenizer = Tokenizer.train([c.decode() for c in data["caption"]], 300, 8)
  layout = BatchLayout(global_batch=8, process_count=1, local_devices=2)
  clips = rendered_input.InMemoryClips(data)
  fresh = batches.train_iterator(clips, tokenizer, layout, seed=3, workers=0)
  first = [next(fresh) for _ in range(7)]
  position = fresh.get_state()
  first += [next(fresh) for _ in range(5)]  # Two and a half epochs in all.
  resumed = batches.train_iterator(clips, tokenizer, layout, seed=3, workers=0)
  resumed.set_state(position)
  for expected in first[7:]:
    np.testing.assert_array_equal(next(resumed)["video"], expected["video"])
  epoch = np.concatenate([b["video"].reshape(-1, 3)[:, 0] for b in first[:5]])
  assert sorted(epoch) == list(range(40))  # Every clip once per epoch.
  assert first[0]["video"].shape == (2, 4, 1, 1, 1, 3)


def test_rendered_training_runs_without_tensorflow(tmp_path):
  """`vidgan train` with input=rendered in a process where importing TensorFlow or TFDS fails."""
  blocked = "import sys; sys.modules.update(tensorflow=None, tensorflow_datasets=None); "
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  result = subprocess.run(
    [
      sys.executable,
      "-c",
      blocked + "from vidgan_jax.cli import main; main()",
      "train",
      "--config=experiments/tiny.py",
      f"--workdir={tmp_path}",
      "--config.input=rendered",
      "--config.input_workers=2",
      "--config.num_train_steps=2",
      "--config.log_every_steps=1",
    ],
    capture_output=True,
    text=True,
    env=env,
    timeout=600,
    cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
  )
  assert result.returncode == 0, result.stderr
  assert "rendered 80 clips" in result.stderr and "step 2:" in result.stderr
  assert os.path.isdir(tmp_path / "checkpoints" / "2")
