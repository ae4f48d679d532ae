"""The training loop's tools: metrics averaged over the log window, the TensorBoard MetricWriter
(read back with TensorBoard's own reader), and the periodic actions a run takes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

from vidgan_jax import summaries, train


def _step_metrics(loss: float, nonfinite: int) -> dict:
  """Metrics as the pmapped step returns them: one copy per local device."""
  return jax.pmap(lambda x: {"g_loss": x * loss, "nonfinite_steps": x.astype(jnp.int32) * nonfinite})(
    jnp.ones(jax.local_device_count())
  )


@pytest.mark.fast
def test_the_window_averages_losses_and_keeps_the_latest_count():
  window = train.MetricWindow()
  for loss, nonfinite in [(1.0, 0), (2.0, 1), (6.0, 1)]:
    window.add(_step_metrics(loss, nonfinite))
  assert window.read() == {"g_loss": 3.0, "nonfinite_steps": 1.0}
  window.add(_step_metrics(5.0, 2))  # A new window: the steps before it are gone.
  assert window.read() == {"g_loss": 5.0, "nonfinite_steps": 2.0}


@pytest.mark.fast
def test_the_tensorboard_writer_writes_what_tensorboard_reads(tmp_path):
  writer = summaries.TensorBoardWriter(str(tmp_path))
  writer.write_scalars(3, {"train/g_loss": 0.5, "train/d_loss": np.float32(1.25)})
  writer.write_images(3, {"samples": np.zeros((8, 12, 3), np.uint8), "batch": np.zeros((2, 4, 4, 1), np.uint8)})
  writer.write_texts(3, {"prompt": "a man plays golf"})
  writer.write_histograms(3, {"weights": np.arange(10.0)})
  writer.write_hparams({"batch_size": 8, "model.dtype": "float32", "sample_prompts": ("a", "b")})
  writer.close()
  events = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"tensors": 0})
  events.Reload()
  tags = events.Tags()
  assert events.Scalars("train/d_loss")[0].value == 1.25 and events.Scalars("train/g_loss")[0].step == 3
  assert set(tags["images"]) == {"samples", "batch/0", "batch/1"}
  assert events.Images("samples")[0].width == 12 and events.Images("samples")[0].height == 8
  assert {"prompt", "weights", "_hparams_/session_start_info"} <= set(tags["tensors"])
  assert events.Tensors("prompt")[0].tensor_proto.string_val == [b"a man plays golf"]


def test_a_profile_that_cannot_finish_in_the_run_is_not_started(tiny_config, caplog):
  tiny_config.profile_steps, tiny_config.profile_first_step = 4, 4  # Steps 4-8 of a 6-step run.
  writer = summaries.create_default_writer("unused", enabled=False)
  with caplog.at_level("WARNING"):
    actions = train._periodic_actions(tiny_config, writer, "unused", start_step=0)
  assert [type(a).__name__ for a in actions] == ["ReportProgress"]
  assert "no profile: steps 4-8" in caplog.text
  tiny_config.profile_first_step = 2
  actions = train._periodic_actions(tiny_config, writer, "unused", start_step=0)
  assert [type(a).__name__ for a in actions] == ["ReportProgress", "Profile"]


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.fast
def test_only_process_0_writes(tmp_path, enabled):
  writer = summaries.create_default_writer(str(tmp_path), enabled=enabled)
  writer.write_scalars(1, {"x": 1.0})
  writer.close()
  assert bool(list(tmp_path.glob("events.out.tfevents.*"))) == enabled
