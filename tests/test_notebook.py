"""notebooks/quickstart.ipynb, executed top to bottom as a user runs it (nbclient), so it cannot rot."""

import pathlib

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def test_the_quickstart_notebook_runs_and_shows_clips(monkeypatch):
  monkeypatch.delenv("XLA_FLAGS", raising=False)  # One CPU device, as on a laptop.
  notebook = nbformat.read(NOTEBOOKS / "quickstart.ipynb", as_version=4)
  assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")  # None committed.
  client = nbclient.NotebookClient(
    notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
  )
  client.execute()
  outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
  text = "".join(output.get("text", "") for output in outputs)
  animations = [output for output in outputs if "image/gif" in output.get("data", {})]
  assert "vidgan_jax " in text and "files match their checksums" in text and "## Known failures" in text
  assert "| metric | seen | unseen | target |" in text  # The evaluation's table.
  assert len(animations) == 3  # The two shipped generators' grids and the tiny run's.
