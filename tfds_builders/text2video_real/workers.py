"""Decoding in worker processes, where a worker that dies costs its own file and nothing else.

A process pool breaks as a whole when one of its processes dies (a segfault or abort inside
FFmpeg, the OOM killer): every pending job fails with BrokenProcessPool. `map_in_processes` then
reruns the jobs that may have been in flight, each alone in a fresh process, so the one that
kills its process is found and reported as `WorkerDied`; the rest continue in a new pool.
"""

import concurrent.futures
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerDied(Exception):
  """The process running a job died without returning (a crash, not an exception)."""


def _in_flight_bound(workers: int) -> int:
  """How many of the oldest unfinished jobs may have been running or queued in a pool when it broke:
  one per worker running, plus the executor's call queue (workers + 1 items)."""
  return 2 * workers + 1


def _alone(fn: Callable, job: Any, context) -> Any:
  """fn(job) in a process of its own; WorkerDied if that process dies."""
  with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
    try:
      return pool.submit(fn, job).result()
    except BrokenProcessPool:
      return WorkerDied("the worker process died (a crash in the decoder) on this job")


def map_in_processes(fn: Callable, jobs: Sequence, workers: int) -> Iterator:
  """Yields fn(job) for each job, in order, computed in `workers` spawned processes ("spawn":
  forking a parent that has started threads (TensorFlow, JAX) can deadlock). A job whose process
  dies yields a WorkerDied instead; the map goes on. `fn` must be importable by the workers."""
  context = multiprocessing.get_context("spawn")
  done = 0
  while done < len(jobs):
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)
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
    for job in jobs[done:done + _in_flight_bound(workers)]:
      yield _alone(fn, job, context)
      done += 1
