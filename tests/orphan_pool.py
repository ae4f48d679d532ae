"""A parent of a two-worker spawn pool, for tests/test_orphans.py: prints the workers' pids once
both are past their initializer, then sleeps until killed.

    python tests/orphan_pool.py plain|watch

`watch`: the workers run `vidgan_jax.processes.die_with_parent` as they start.
"""

import multiprocessing
import os
import sys
import time

from vidgan_jax.processes import die_with_parent


def started(ready, watch: bool) -> None:
  if watch:
    die_with_parent()
  ready.put(os.getpid())


if __name__ == "__main__":
  context = multiprocessing.get_context("spawn")
  ready = context.Queue()
  pool = context.Pool(2, initializer=started, initargs=(ready, sys.argv[1] == "watch"))
  pool.map_async(time.sleep, [600, 600])
  # Killed before its workers have started, the parent would test their start-up, not their watch.
  print(ready.get(), ready.get(), flush=True)
  time.sleep(600)
