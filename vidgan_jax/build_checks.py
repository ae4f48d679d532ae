"""Checks that a built split's files are what its dataset_info.json says, before anything reads them.

A shard that is missing, cut short or replaced, or counts that do not match the files, would
otherwise surface as a traceback from deep inside a reader (often in a Grain worker process:
"Corrupted Riegeli/records file: chunk header hash mismatch"), naming neither the file nor what to
do. Here each becomes one `DamagedBuildError` naming the file and the command that rebuilds it.
Opening a shard reads its footer only, so the check costs milliseconds per shard; shards in a
bucket are checked for presence only.
"""

from collections.abc import Sequence

from array_record.python.array_record_module import ArrayRecordReader
from etils import epath

from vidgan_jax import paths


class DamagedBuildError(RuntimeError):
  """A built dataset's files are missing, damaged, or disagree with its recorded counts."""


def check_shards(shards: Sequence[tuple[str, int]], rebuild: str) -> None:
  """Raises DamagedBuildError unless every (path, records) shard exists and holds that many
  records. `rebuild`: the command that builds the dataset again, named in the error."""
  for path, expected in shards:
    if not epath.Path(path).exists():
      raise DamagedBuildError(f"{path} is missing from the build; rebuild it with `{rebuild} --overwrite`")
    if paths.is_uri(path):  # In a bucket the records are read through TFDS's file layer: not opened here.
      continue
    try:
      reader = ArrayRecordReader(path)
      found = reader.num_records()
      reader.close()
    except (RuntimeError, OSError, ValueError) as e:
      reason = str(e).splitlines()[0] if str(e) else type(e).__name__
      raise DamagedBuildError(f"{path} cannot be read ({reason}); rebuild it with `{rebuild} --overwrite`") from None
    if found != expected:
      raise DamagedBuildError(
        f"{path} holds {found} records where the build's dataset_info.json says {expected} (the file was cut "
        f"short or replaced, or the counts were edited); rebuild it with `{rebuild} --overwrite`"
      )


def damaged_record(error: Exception, index: int, where: str, rebuild: str) -> Exception:
  """The error to raise for a record that failed to read: DamagedBuildError naming it where the
  reader found its bytes corrupted (a flipped bit), else the reader's own error."""
  message = str(error)
  if "Corrupted" not in message and "Riegeli" not in message:
    return error
  reason = message.splitlines()[0]
  return DamagedBuildError(f"record {index} of {where} is damaged ({reason}); rebuild it with `{rebuild} --overwrite`")
