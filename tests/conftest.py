"""Shared fixtures. Eight fake CPU devices, set before anything imports jax."""

import os
import tempfile

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One compilation cache for the session, inherited by the `vidgan` subprocesses the tests start:
# many tests compile the same tiny train step.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", tempfile.mkdtemp(prefix="vidgan_jax_cache_"))

import pytest  # noqa: E402

from experiments import tiny  # noqa: E402


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory) -> str:
  """A data_dir holding action_scenes/tiny, built once per test session."""
  from vidgan_jax import input_pipeline

  data_dir = str(tmp_path_factory.mktemp("tfds"))
  builder = input_pipeline.load_builder("action_scenes/tiny", data_dir)
  builder.download_and_prepare()
  return data_dir


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
