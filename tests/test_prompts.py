"""Bad and odd prompts (benchmarks/reliability/odd_prompts.py) through `vidgan sample` with the shipped generator:
clips plus a warning, or one clear error line, never a traceback."""

import os
import re
import subprocess
import sys

import pytest

from benchmarks.reliability.odd_prompts import CLIPS, ERROR, ODD_PROMPTS
from vidgan_jax import pretrained
from vidgan_jax.commands.sample import gather_prompts, read_prompt_file
from vidgan_jax.text import PromptError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = "action_scenes/32px"
ACCEPTED = [p for p in ODD_PROMPTS if p.outcome == CLIPS]


def _vidgan(*args, check_ok: bool):
  """`vidgan ...` as typed (the console script), in its own process; asserts no traceback."""
  vidgan = os.path.join(os.path.dirname(sys.executable), "vidgan")
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  result = subprocess.run([vidgan, *args], capture_output=True, env=env, cwd=REPO, timeout=600)
  stderr = result.stderr.decode("utf-8", "replace")
  assert "Traceback" not in stderr, stderr[-3000:]
  assert (result.returncode == 0) == check_ok, stderr[-3000:]
  return stderr


@pytest.fixture(scope="module")
def model():
  return pretrained.load(SHIPPED)


@pytest.mark.fast
def test_the_set_has_at_least_thirty_prompts_of_both_outcomes():
  assert len(ODD_PROMPTS) >= 30 and len({p.name for p in ODD_PROMPTS}) == len(ODD_PROMPTS)
  assert {p.outcome for p in ODD_PROMPTS} == {CLIPS, ERROR}


@pytest.mark.parametrize("odd", ODD_PROMPTS, ids=[p.name for p in ODD_PROMPTS])
def test_each_odd_prompt_gives_its_outcome(odd, model):
  if odd.outcome == ERROR:
    with pytest.raises(PromptError, match=re.escape(odd.message)) as error:
      gather_prompts([odd.text], None)
    assert "\n" not in str(error.value) and len(str(error.value)) < 300  # One readable line.
    return
  (prompt,), _ = gather_prompts([odd.text], None)
  warnings = model.prompt_warnings(prompt)
  if odd.message is None:
    assert not warnings
  else:
    assert any(odd.message in w for w in warnings), warnings
  assert all(len(w) < 400 for w in warnings)  # A 10,000-character prompt is not printed whole.
  assert model.tokenizer.encode([prompt]).shape == (1, model.tokenizer.max_length)


@pytest.mark.fast
def test_prompt_file_lines_blank_lines_and_a_bad_line(tmp_path):
  path = tmp_path / "prompts.txt"
  path.write_text("\ufeffgolf on the grass\n\n   \nsailing on the snow\n", encoding="utf-8")
  assert read_prompt_file(str(path)) == (
    ["golf on the grass", "sailing on the snow"],
    [f"{path}: blank line(s) 2, 3 skipped"],
  )
  path.write_text("golf\nsailing\x00\n", encoding="utf-8")
  with pytest.raises(PromptError, match=r"prompts.txt, line 2: .*U\+0000"):
    read_prompt_file(str(path))
  path.write_bytes(b"golf \xff\n")
  with pytest.raises(PromptError, match="cannot read the prompt file.*utf-8"):
    read_prompt_file(str(path))
  with pytest.raises(PromptError, match="cannot read the prompt file.*No such file"):
    read_prompt_file(str(tmp_path / "missing.txt"))
  path.write_text("\n\n", encoding="utf-8")
  with pytest.raises(PromptError, match="holds no prompt"):
    gather_prompts(None, str(path))
  with pytest.raises(PromptError, match="no prompt given"):
    gather_prompts(None, None)


def test_the_command_samples_every_accepted_prompt_from_a_file(tmp_path):
  """All accepted odd prompts (and a blank line) in one prompt file: a clip for each, warnings."""
  prompt_file = tmp_path / "odd.txt"
  lines = [" ".join(p.text.split()) for p in ACCEPTED]  # One line each: the file's lines are prompts.
  prompt_file.write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")
  out = tmp_path / "out"
  stderr = _vidgan(
    "sample", f"--pretrained={SHIPPED}", f"--prompt_file={prompt_file}", "--num=1", f"--out={out}", check_ok=True
  )
  assert "blank line(s) 4 skipped" in stderr and "not one word the model learnt" in stderr
  clips = [name for name in os.listdir(out) if name.endswith(".gif") and name != "grid.gif"]
  assert len(clips) == len(ACCEPTED)
  assert len((out / "prompts.txt").read_text(encoding="utf-8").splitlines()) == len(ACCEPTED)


@pytest.mark.parametrize("argument", [b"--prompt=golf \xff on the grass", b"--prompt_file=/nonexistent/prompts.txt"])
def test_the_command_gives_one_error_line_for_what_it_cannot_use(argument, tmp_path):
  stderr = _vidgan("sample", f"--pretrained={SHIPPED}".encode(), argument, f"--out={tmp_path}".encode(), check_ok=False)
  assert "not valid UTF-8" in stderr or "cannot read the prompt file" in stderr
