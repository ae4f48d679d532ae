"""vidgan_jax: a text-to-video GAN in JAX/Flax (Li et al., AAAI 2018); `vidgan --help` lists its commands."""

import importlib.metadata

try:
  __version__ = importlib.metadata.version("vidgan_jax")
except importlib.metadata.PackageNotFoundError:  # A source tree on PYTHONPATH, never installed.
  __version__ = "unknown (not installed)"
