"""benchmarks/README.md names every script under the heading of its folder, and every command a
script's docstring prints runs from the folder it lives in."""

import pathlib
import re

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def _readme_sections() -> dict[str, str]:
  """Heading folder ("model", "speed", ...) -> the text under it."""
  parts = re.split(r"^## (\w+)/", (BENCHMARKS / "README.md").read_text(), flags=re.M)
  return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.fast
def test_the_readme_names_every_script_under_its_folder():
  sections = _readme_sections()
  folders = {p.name for p in BENCHMARKS.iterdir() if p.is_dir() and p.name != "__pycache__"}
  assert set(sections) == folders
  for folder in folders - {"torch_peer"}:
    scripts = {p.name for p in (BENCHMARKS / folder).iterdir() if p.suffix in (".py", ".sh")}
    named = set(re.findall(r"`(\w+\.(?:py|sh))`", sections[folder]))
    assert named == scripts, folder


@pytest.mark.fast
def test_commands_in_docstrings_name_the_scripts_where_they_are():
  for script in BENCHMARKS.rglob("*.py"):
    for module in re.findall(r"python -m (benchmarks\.[\w.]+)", script.read_text()):
      assert (BENCHMARKS.parent / (module.replace(".", "/") + ".py")).is_file(), (script, module)
    for path in re.findall(r"python (benchmarks/[\w/]+\.py)", script.read_text()):
      assert (BENCHMARKS.parent / path).is_file(), (script, path)
