"""Decoding in worker processes, where a worker that dies costs its own file and nothing else.

A process pool breaks as a whole when one of its processes dies (a segfault or abort inside
FFmpeg, the OOM killer): every pending job fails with BrokenProcessPool. `map_in_processes` then
reruns the jobs that may have been in flight one at a time in a child process of their own (a new
one after each death), so the one that kills its process is found and reported as `WorkerDied`;
the rest continue in a new pool. `IsolatedWorker` is that one child, for callers with their own
parallelism (Beam's workers).
"""

import concurrent.futures
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from vidgan_jax.processes import die_with_parent

# Forking a parent that has started threads (TensorFlow, JAX) can deadlock.
_SPAWN = multiprocessing.get_context("spawn")


class WorkerDied(Exception):
  """The process running a job died without returning (a crash, not an exception)."""


def _in_flight_bound(workers: int) -> int:
  """How many of the oldest unfinished jobs may have been running or queued in a pool when it broke:
  one per worker running, plus the executor's call queue (workers + 1 items)."""
  return 2 * workers + 1


class IsolatedWorker:
  """Calls fn(job) in one spawned child process, kept from call to call; a child that dies makes
  that call return WorkerDied, and the next call starts a new child. (The Beam path's decoder.)"""

  def __init__(self):
    self._pool = None

  def __call__(self, fn: Callable, job: Any) -> Any:
    if self._pool is None:
      self._pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=_SPAWN, initializer=die_with_parent)
    try:
      return self._pool.submit(fn, job).result()
    except BrokenProcessPool:
      self.close()
      return WorkerDied("the worker process died (a crash in the decoder) on this job")

  def close(self) -> None:
    if self._pool is not None:
      self._pool.shutdown(wait=True, cancel_futures=True)
      self._pool = None


def map_in_processes(fn: Callable, jobs: Sequence, workers: int) -> Iterator:
  """Yields fn(job) for each job, in order, computed in `workers` spawned processes. A job whose
  process dies yields a WorkerDied instead; the map goes on. `fn` must be importable by the workers."""
  done = 0
  while done < len(jobs):
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=_SPAWN, initializer=die_with_parent)
    try:
      futures = [pool.submit(fn, job) for job in jobs[done:]]
      for future in futures:
        try:
          result = future.result()
        except BrokenProcessPool:
          break
        yield result
        done += 1
    finally:
      pool.shutdown(wait=True, cancel_futures=True)
    alone = IsolatedWorker()
    try:
      for job in jobs[done : done + _in_flight_bound(workers)]:
        yield alone(fn, job)
        done += 1
    finally:
      alone.close()
