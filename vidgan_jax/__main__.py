"""`python -m vidgan_jax <command> [flags]`: the `vidgan` console script, for environments where
the package is on the path but not installed (e.g. a GPU image the source was copied to)."""

from vidgan_jax.cli import main

if __name__ == "__main__":  # Not in the processes that multiprocessing spawns, which import this module.
  main()
