"""Worker processes that end with the process that started them, however it ends.

A pool's workers outlive a parent killed with SIGKILL (nothing runs in the parent to stop them):
they are re-parented and stay, holding memory, until someone kills them. `die_with_parent`, run in
each worker as it starts (a pool's initializer, Grain's worker_init_fn), starts a thread that
watches the parent process and ends the worker within a second of its parent's death.
"""

import multiprocessing
import os
import threading
import time

# How often a worker looks at its parent: the longest it outlives it.
WATCH_SECONDS = 0.5


def _watch(parent: int) -> None:
  while os.getppid() == parent:
    time.sleep(WATCH_SECONDS)
  os._exit(1)  # The parent is gone: nobody will read this worker's results.


def die_with_parent(*_worker_info) -> None:
  """Ends this process when its parent process dies (any arguments, such as Grain's worker index
  and count, are ignored)."""
  # The process that started this one, as multiprocessing recorded it: if it died while this
  # worker was starting, getppid() already names whoever adopted the worker (init, or a container's
  # subreaper), not the parent.
  started_by = multiprocessing.parent_process()
  parent = started_by.pid if started_by is not None else os.getppid()
  if os.getppid() != parent:
    os._exit(1)
  threading.Thread(target=_watch, args=(parent,), name="die_with_parent", daemon=True).start()
