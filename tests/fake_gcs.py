"""A local stand-in for Cloud Storage, for tests/test_bucket_runs.py: gcp-storage-emulator, in memory,
plus the generation headers on downloads that TensorStore (orbax's array store) reads and the
emulator leaves out. Run as `python tests/fake_gcs.py start --port=N --in-memory ...`."""

import sys

from gcp_storage_emulator.handlers import objects

_download = objects.download


def _download_with_generation(request, response, storage, *args, **kwargs):
  _download(request, response, storage, *args, **kwargs)
  try:
    obj = storage.get_file_obj(request.params["bucket_name"], request.params["object_id"])
  except Exception:  # noqa: BLE001  (no such object: the handler has answered 404)
    return
  response["x-goog-generation"] = str(obj["generation"])
  response["x-goog-metageneration"] = str(obj.get("metageneration", 1))


# Before the server module builds its routes from the handlers.
objects.download = _download_with_generation

if __name__ == "__main__":
  from gcp_storage_emulator.__main__ import main

  sys.exit(main())
