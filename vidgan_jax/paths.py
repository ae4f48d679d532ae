"""Workdirs, outputs and data_dirs: local folders or any `etils.epath` URI (gs://bucket/run on a TPU
pod, s3://...), read and written through epath (never os.path or open, which see local files only)."""

import os

from etils import epath


def resolve(path: str | os.PathLike) -> epath.Path:
  """`path` as an epath.Path: a URI as it is, a local path made absolute (as orbax wants it)."""
  return epath.Path(path) if is_uri(path) else epath.Path(os.path.abspath(path))


def is_uri(path: str | os.PathLike) -> bool:
  return "://" in os.fspath(path)


def write_atomically(path: epath.Path, data: str | bytes) -> None:
  """Writes `data` so that a kill leaves the old file or the new one, never half of one: locally
  beside `path`, then renamed into place; in a bucket directly (an object appears whole or not)."""
  target = path if is_uri(path) else path.with_name(path.name + ".partial")
  if isinstance(data, bytes):
    target.write_bytes(data)
  else:
    target.write_text(data)
  if target != path:
    target.replace(path)
