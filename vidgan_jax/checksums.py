"""A SHA-256 of every file of a finished checkpoint, recorded beside it and checked before it is read.

Orbax writes no checksum of its own, and a flipped bit in an array file is otherwise loaded without
a word. Once a save is whole (orbax has renamed it into place), `record` writes `checksums.json` in
its step directory: the digest of each file of its items (the train state's arrays and their
metadata, the JSON metadata, the input position). `verify` recomputes them before a restore.
"""

import hashlib
import json

from etils import epath

CHECKSUM_FILE = "checksums.json"
# The checkpoint's items; orbax's own step-level metadata beside them may be rewritten after the save.
ITEMS = ("state", "meta", "input")
_CHUNK = 1 << 22


class DamagedCheckpoint(ValueError):
  """A checkpoint whose files differ from the checksums recorded when it was written."""


def _files(folder: epath.Path) -> list[epath.Path]:
  # iterdir, not walk: epath's walk drops the gs:// of the folders it yields.
  files = []
  for path in sorted(folder.iterdir()):
    files.extend(_files(path) if path.is_dir() else [path])
  return files


def _sha256(path: epath.Path) -> str:
  digest = hashlib.sha256()
  with path.open("rb") as f:
    while chunk := f.read(_CHUNK):
      digest.update(chunk)
  return digest.hexdigest()


def digests(step_dir: epath.Path) -> dict[str, str]:
  """{path relative to `step_dir`: SHA-256} of every file of the checkpoint's items."""
  step_dir = epath.Path(step_dir)
  files = [f for item in ITEMS if (step_dir / item).is_dir() for f in _files(step_dir / item)]
  return {str(f.relative_to(step_dir)): _sha256(f) for f in files}


def record(step_dir: epath.Path) -> None:
  """Writes the checksums of a finished checkpoint (whole or not at all: a temporary file renamed)."""
  step_dir = epath.Path(step_dir)
  temporary = step_dir / f"{CHECKSUM_FILE}.tmp"
  temporary.write_text(json.dumps({"sha256": digests(step_dir)}, indent=1))
  temporary.rename(step_dir / CHECKSUM_FILE)


def verify(step_dir: epath.Path) -> int:
  """The number of files checked; 0 if the checkpoint has no checksums (written before they were
  recorded, or stopped between its save and their record). Raises DamagedCheckpoint naming the
  first file that is missing or differs, or an unreadable checksum file."""
  step_dir = epath.Path(step_dir)
  path = step_dir / CHECKSUM_FILE
  if not path.exists():
    return 0
  try:
    expected = json.loads(path.read_text())["sha256"]
  except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
    raise DamagedCheckpoint(f"checkpoint {step_dir}: its {CHECKSUM_FILE} is unreadable ({type(e).__name__})") from None
  for name, digest in expected.items():
    file = step_dir / name
    if not file.exists():
      raise DamagedCheckpoint(f"checkpoint {step_dir}: {name} is missing")
    if _sha256(file) != digest:
      raise DamagedCheckpoint(f"checkpoint {step_dir}: {name} differs from its checksum (damaged since it was written)")
  return len(expected)
