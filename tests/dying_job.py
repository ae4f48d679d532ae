"""A job for tests/test_text2video_real.py's worker-death test: importable by spawned processes,
and light (it imports nothing heavy)."""

import os


def square_or_die(x: int) -> int:
  """x * x, except that the process running job 3 dies on the spot, as a decoder crash would."""
  if x == 3:
    os._exit(1)
  return x * x
