"""The TFDS builders live in the top-level tfds_builders/ and install as `vidgan_jax.datasets`:
`vidgan build NAME` works from any directory in both a regular and an editable install, and
`vidgan build tfds_builders/NAME` (TFDS given the builder's folder) from the repository."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIDGAN = os.path.join(os.path.dirname(sys.executable), "vidgan")  # This venv's editable install.


def _build(command: list[str], cwd, env=None) -> subprocess.CompletedProcess:
  result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
  return result


def _built(data_dir) -> bool:
  return (data_dir / "action_scenes" / "tiny" / "2.0.0" / "dataset_info.json").is_file()


def test_a_regular_install_puts_the_builders_under_vidgan_jax_only(tmp_path):
  """`pip install .` (into a folder, the dependencies from this venv): its only top-level package
  is vidgan_jax, and a build by name from elsewhere reads the installed builder."""
  target = tmp_path / "site"
  _build([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", f"--target={target}", ROOT], cwd=tmp_path)
  packages = {p.name for p in target.iterdir() if not p.name.endswith((".dist-info", ".egg-info")) and p.name != "bin"}
  assert packages == {"vidgan_jax"}
  assert (target / "vidgan_jax" / "datasets" / "action_scenes" / "action_scenes_dataset_builder.py").is_file()
  assert (target / "vidgan_jax" / "datasets" / "action_scenes" / "README.md").is_file()
  env = {**os.environ, "PYTHONPATH": str(target)}
  elsewhere = tmp_path / "elsewhere"
  elsewhere.mkdir()
  script = "import vidgan_jax.datasets.action_scenes as m, sys; print(m.__file__); sys.argv[0] = 'vidgan'; "
  script += "from vidgan_jax.cli import main; main()"
  command = [sys.executable, "-c", script, "build", "action_scenes", "--config=tiny", f"--data_dir={tmp_path / 'data'}"]
  result = _build(command, cwd=elsewhere, env=env)
  assert result.stdout.splitlines()[0].startswith(str(target))
  assert _built(tmp_path / "data")


def test_the_editable_install_builds_by_name_anywhere_and_by_folder_in_the_repository(tmp_path):
  _build([VIDGAN, "build", "action_scenes", "--config=tiny", f"--data_dir={tmp_path / 'by_name'}"], cwd=tmp_path)
  assert _built(tmp_path / "by_name")
  folder = ["build", "tfds_builders/action_scenes", "--config=tiny", f"--data_dir={tmp_path / 'by_folder'}"]
  _build([VIDGAN, *folder], cwd=ROOT)
  assert _built(tmp_path / "by_folder")
