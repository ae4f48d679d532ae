"""One training run per workdir: an advisory lock on `<workdir>/run.lock`, held while a run lives.

The lock is `fcntl.flock` on an open file: the kernel drops it when the process ends, however it
ends (SIGKILL, OOM, a lost node), so a killed run never leaves a lock that blocks the next start.
The file keeps who holds it (host, process id, start time) so that a refused run can say which run
has the workdir. Workdirs in a bucket (gs://...) cannot be locked this way: there the lock is
skipped with a warning.
"""

import datetime
import fcntl
import json
import logging
import os
import socket

from etils import epath

from vidgan_jax import paths

logger = logging.getLogger(__name__)

LOCK_FILE = "run.lock"


class WorkdirInUse(RuntimeError):
  """Another live run holds the workdir's lock."""


class WorkdirLock:
  """The held lock of one workdir; `release()` (or the process's end) lets it go."""

  def __init__(self, fd: int | None):
    self._fd = fd

  def release(self) -> None:
    if self._fd is not None:
      fcntl.flock(self._fd, fcntl.LOCK_UN)
      os.close(self._fd)
      self._fd = None


def _holder(fd: int) -> str:
  """Who holds the lock, from what its holder wrote into the file."""
  try:
    os.lseek(fd, 0, os.SEEK_SET)
    owner = json.loads(os.read(fd, 4096).decode())
    return f"host {owner['host']}, process {owner['pid']}, since {owner['since']}"
  except (ValueError, KeyError, OSError):
    return "a process that has not yet written its name"


def acquire(workdir: epath.Path) -> WorkdirLock:
  """Takes the workdir's lock, or raises WorkdirInUse naming the run that holds it."""
  if paths.is_uri(str(workdir)):
    logger.warning("workdir %s is in a bucket: it cannot be locked; make sure no other run uses it", workdir)
    return WorkdirLock(None)
  path = os.path.join(str(workdir), LOCK_FILE)
  fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
  try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
  except BlockingIOError:
    holder = _holder(fd)
    os.close(fd)
    raise WorkdirInUse(
      f"the workdir {workdir} is in use by another training run ({holder}); let it finish or stop it "
      f"(it saves a checkpoint on SIGTERM), or choose another --workdir"
    ) from None
  since = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
  owner = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "since": since})
  os.ftruncate(fd, 0)
  os.pwrite(fd, owner.encode(), 0)
  return WorkdirLock(fd)
