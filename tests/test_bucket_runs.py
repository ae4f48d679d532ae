"""A run whose workdir and data_dir are in a bucket (`gs://`, as TPU pods keep them), through the
documented commands, on a local stand-in for Cloud Storage (tests/fake_gcs.py): no network; and,
as on such a host, without TensorFlow (every process finds a `tensorflow` that cannot be imported).

The three clients a run uses all talk to it: fsspec's gcsfs (epath: tokenizer, config, samples,
TensorBoard events, reports), TensorStore (orbax's arrays) and ArrayRecord's reader (the data).
"""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from etils import epath
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from test_without_tensorflow import TFDS_FALLBACK  # tests/ is on sys.path.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKE_GCS = os.path.join(ROOT, "tests", "fake_gcs.py")


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


@pytest.fixture(scope="module")
def bucket_env(tmp_path_factory):
  """The environment that points every Cloud Storage client at a fresh local stand-in holding
  the bucket `vidgan`."""
  port = _free_port()
  log = tmp_path_factory.mktemp("fake_gcs") / "server.log"
  command = [sys.executable, FAKE_GCS, "start", "--host=localhost", f"--port={port}", "--in-memory"]
  server = subprocess.Popen([*command, "--default-bucket=vidgan"], stdout=log.open("w"), stderr=subprocess.STDOUT)
  deadline = time.time() + 60
  while True:
    try:
      socket.create_connection(("localhost", port), timeout=0.2).close()
      break
    except OSError:
      assert server.poll() is None and time.time() < deadline, log.read_text()
      time.sleep(0.1)
  url = f"http://localhost:{port}"
  yield {
    "STORAGE_EMULATOR_HOST": url,  # gcsfs
    "TENSORSTORE_GCS_HTTP_URL": url,
    "CLOUD_STORAGE_EMULATOR_ENDPOINT": url,  # ArrayRecord's reader (google-cloud-cpp)
    "GOOGLE_AUTH_TOKEN_FOR_TESTING": "test",  # TensorStore: no credential lookup
    "NO_GCE_CHECK": "True",  # google-auth: no metadata-server probe
  }
  server.terminate()
  server.wait(timeout=30)


def _copy_tree(source: epath.Path, target: epath.Path) -> None:
  target.mkdir(parents=True, exist_ok=True)
  for path in source.iterdir():
    if path.is_dir():
      _copy_tree(path, target / path.name)
    else:
      (target / path.name).write_bytes(path.read_bytes())


def test_a_run_in_a_bucket_trains_resumes_samples_evaluates_and_inspects(
  bucket_env, env_without_tensorflow, tiny_data_dir, tmp_path, monkeypatch
):
  for key, value in bucket_env.items():
    monkeypatch.setenv(key, value)
  # epath reaches a bucket through TensorFlow if TensorFlow is installed (it asks importlib, which
  # finds the blocker), through fsspec otherwise: EPATH_USE_TF=false gives the latter, as a host
  # without TensorFlow does.
  env = {**env_without_tensorflow, **bucket_env, "EPATH_USE_TF": "false"}
  # Builds write ArrayRecord files, which only a local disk takes: build, then copy the build up.
  data = epath.Path("gs://vidgan/data")
  _copy_tree(epath.Path(tiny_data_dir) / "action_scenes", data / "action_scenes")
  run = epath.Path("gs://vidgan/run")
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  cwd = tmp_path / "cwd"
  cwd.mkdir()
  train = [vidgan, "train", f"--config={ROOT}/experiments/tiny.py", f"--workdir={run}", f"--config.data_dir={data}"]
  train += ["--config.build_if_missing=False", "--config.checkpoint_every_steps=3", "--config.sample_every_steps=3"]
  train += ["--config.input_workers=1"]  # A Grain worker process: it too must do without TensorFlow.
  outputs = []
  for command in (
    [*train, "--config.num_train_steps=3"],
    [*train, "--config.num_train_steps=6"],
    [vidgan, "sample", f"--workdir={run}", "--prompt=a man plays golf on the grass", "--num=2", f"--out={run}/clips"],
    [vidgan, "eval", f"--workdir={run}", "--num_per_pair=4"],
    [vidgan, "inspect", str(run), "--json"],
  ):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert result.returncode == 0, " ".join(command[1:3]) + "\n" + result.stdout[-2000:] + result.stderr[-4000:]
    assert TFDS_FALLBACK not in result.stdout + result.stderr, result.stdout[-4000:]
    outputs.append(result)

  assert "resumed from gs://vidgan/run/checkpoints at step 3" in outputs[1].stderr
  assert {p.name for p in (run / "checkpoints").iterdir()} >= {"3", "6"}
  assert json.loads((run / "tokenizer.json").read_text())["max_length"] > 0
  assert {p.name for p in (run / "samples").iterdir()} == {"step_0000003.gif", "step_0000006.gif"}
  assert {"grid.gif", "00_a_man_plays_golf_on_the_grass_1.mp4"} <= {p.name for p in (run / "clips").iterdir()}
  report = json.loads((run / "eval_6" / "report.json").read_text())
  assert report["step"] == 6 and report["classifier_dir"].startswith("gs://vidgan/data/eval_classifier/")
  assert (epath.Path(report["classifier_dir"]) / "params.msgpack").exists()
  assert json.loads(outputs[4].stdout)["step"] == 6
  # TensorBoard events of both runs (the first logs its last step, 3), each flush uploaded whole
  # as one more event file.
  events = tmp_path / "events"
  _copy_tree(run / "tensorboard", epath.Path(events))
  accumulator = EventAccumulator(str(events))
  accumulator.Reload()
  assert [e.step for e in accumulator.Scalars("train/g_loss")] == [2, 3, 4, 6]
  assert not any(cwd.iterdir())  # Nothing written beside the commands.


def test_a_build_into_a_bucket_is_refused_with_the_way_round(bucket_env, monkeypatch):
  """ArrayRecord's writer writes local files only: `vidgan build` and a run that would build say so."""
  from vidgan_jax import input_pipeline

  for key, value in bucket_env.items():
    monkeypatch.setenv(key, value)
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  command = [vidgan, "build", "action_scenes", "--config=tiny", "--data_dir=gs://vidgan/elsewhere"]
  result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ.copy())
  assert result.returncode != 0
  assert "written to local disks only; build into a local --data_dir, then copy" in result.stderr
  builder = input_pipeline.load_builder("action_scenes/tiny", "gs://vidgan/elsewhere")
  with pytest.raises(FileNotFoundError, match=r"cannot be built there.*vidgan build action_scenes --config=tiny"):
    input_pipeline.ensure_built(builder, build_if_missing=True)
