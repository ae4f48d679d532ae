"""Shared fixtures. Eight fake CPU devices, set before anything imports jax."""

import gc
import os
import pathlib
import subprocess
import sys
import tempfile

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One compilation cache for the session, inherited by the `vidgan` subprocesses the tests start:
# many of them compile the same tiny train step (a 2-step run: 92 s with an empty cache, 26 s
# with a warm one). Not in this process: twice a cached executable of its 8 fake devices crashed
# it on load or on write (a segfault, an abort, in tests/test_train.py), taking the whole session
# down; its tests share compiled steps through fixtures instead.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", tempfile.mkdtemp(prefix="vidgan_jax_cache_"))

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_enable_compilation_cache", False)

from experiments import tiny  # noqa: E402
from experiments.variants import STAGE_FACTORS, WORDS_READOUT  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]


def _python_in_repo(*args: str) -> subprocess.CompletedProcess:
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def python_in_repo():
  """Runs `python ARGS...` as a user types it in the repository (one CPU device: no XLA_FLAGS)."""
  return _python_in_repo


@pytest.fixture(scope="module", autouse=True)
def _fresh_compilations_per_module():
  """Drops every compiled function and traced cache after each test file: a full run compiles
  hundreds of steps in this one process, and CI's runs died late in the session (segfaults, once
  an abort inside XLA's compiler) where each file alone passes. A fixture that outlives its file
  compiles again when next used."""
  yield
  jax.clear_caches()
  gc.collect()


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory) -> str:
  """A data_dir holding action_scenes/tiny, built once per test session."""
  from vidgan_jax import input_pipeline

  data_dir = str(tmp_path_factory.mktemp("tfds"))
  builder = input_pipeline.load_builder("action_scenes/tiny", data_dir)
  builder.download_and_prepare()
  return data_dir


@pytest.fixture(scope="session")
def stage_factors_run(tmp_path_factory, tiny_data_dir) -> pathlib.Path:
  """A workdir of `vidgan train` on the tiny config for 2 steps with per-stage conditioning and the
  words readout (layered generator, factor bottleneck), trained once per test session for the
  diagnostics that read such a run."""
  workdir = tmp_path_factory.mktemp("stage_factors") / "run"
  trained = _python_in_repo(
    "-m", "vidgan_jax", "train", "--config=experiments/tiny.py", f"--workdir={workdir}",
    f"--config.data_dir={tiny_data_dir}", "--config.num_train_steps=2",
    *[f"--config.{k}={v}" for k, v in (STAGE_FACTORS | WORDS_READOUT).items()],
  )  # fmt: skip
  assert trained.returncode == 0, trained.stderr[-3000:]
  return workdir


@pytest.fixture(scope="session")
def four_step_run(tmp_path_factory, tiny_data_dir) -> tuple[pathlib.Path, object]:
  """(workdir, config) of a tiny run of 4 steps with checkpoints at 2 and 4, trained once per test
  session on 8 fake devices; a test that changes the workdir copies it first."""
  from vidgan_jax import train

  config = tiny.get_config()
  config.data_dir = tiny_data_dir
  config.num_train_steps, config.checkpoint_every_steps, config.sample_every_steps = 4, 2, 1000
  workdir = tmp_path_factory.mktemp("four_steps") / "run"
  train.train_and_evaluate(config, str(workdir))
  return workdir, config


@pytest.fixture
def tiny_config(tiny_data_dir):
  config = tiny.get_config()
  config.data_dir = tiny_data_dir
  return config


@pytest.fixture
def env_without_tensorflow(tmp_path) -> dict:
  """The environment of a host with JAX and no TensorFlow, for `vidgan` subprocesses: every
  process, Grain's workers included, finds a `tensorflow` package on PYTHONPATH whose import
  raises. XLA_FLAGS is left out (one CPU device, as on a laptop)."""
  blocker = tmp_path / "blocker" / "tensorflow"
  blocker.mkdir(parents=True)
  (blocker / "__init__.py").write_text('raise ImportError("importing tensorflow is blocked in this test")\n')
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker.parent), env.get("PYTHONPATH")]))
  return env
