"""Reading `videos.csv` from the manual_dir: one row per clip, bad rows kept aside with a reason."""

import csv
import dataclasses
import os
import zlib

MANIFEST = "videos.csv"
REQUIRED_COLUMNS = ("path", "caption", "category")
SPLITS = ("train", "validation", "test")
MALFORMED_ROW = "malformed_row"
UNKNOWN_CATEGORY = "unknown_category"


@dataclasses.dataclass(frozen=True)
class Row:
  line: int  # 1-based line number in videos.csv (the header is line 1)
  path: str  # relative to the manual_dir
  caption: str
  category: str
  split: str


@dataclasses.dataclass(frozen=True)
class Rejected:
  line: int
  path: str
  reason: str
  detail: str


class ManifestError(ValueError):
  """videos.csv is missing or unusable as a whole."""


def hash_split(path: str, validation_percent: int = 10, test_percent: int = 10) -> str:
  """A deterministic split from the path alone (stable across machines and Python runs)."""
  bucket = zlib.crc32(path.encode()) % 100
  if bucket < test_percent:
    return "test"
  if bucket < test_percent + validation_percent:
    return "validation"
  return "train"


def read_manifest(manual_dir: str, categories: tuple[str, ...]) -> tuple[list[Row], list[Rejected]]:
  """Parses `<manual_dir>/videos.csv`; rows that cannot be used come back as `Rejected`."""
  path = os.path.join(manual_dir, MANIFEST)
  if not os.path.isfile(path):
    raise ManifestError(
      f"{path} not found. Put your video files in {manual_dir} and list them in "
      f"{MANIFEST} with the header `path,caption,category[,split]`; see "
      "tfds_builders/text2video_real/README.md"
    )
  with open(path, newline="", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
      raise ManifestError(
        f"{path}: header {columns} lacks column(s) {missing}; expected `path,caption,category[,split]`"
      )
    rows, rejected = [], []
    for line, record in enumerate(reader, start=2):
      record = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else v for k, v in record.items()}
      row_path = record.get("path") or ""
      problem = _problem(record, categories)
      if problem:
        rejected.append(Rejected(line, row_path, *problem))
        continue
      rows.append(
        Row(line, row_path, record["caption"], record["category"], record.get("split") or hash_split(row_path))
      )
  if not rows and not rejected:
    raise ManifestError(f"{path} lists no videos")
  return rows, rejected


def _problem(record: dict, categories: tuple[str, ...]) -> tuple[str, str] | None:
  if record.get(""):  # csv.DictReader files surplus fields under a key that strips to "".
    return MALFORMED_ROW, "more fields than the header has"
  empty = [c for c in REQUIRED_COLUMNS if not record.get(c)]
  if empty:
    return MALFORMED_ROW, f"empty or missing {', '.join(empty)}"
  if record.get("split") and record["split"] not in SPLITS:
    return MALFORMED_ROW, f"split {record['split']!r} is not one of {', '.join(SPLITS)}"
  if record["category"] not in categories:
    return UNKNOWN_CATEGORY, f"{record['category']!r} is not one of the config's categories"
  return None
