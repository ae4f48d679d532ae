"""`vidgan sample --workdir=DIR (or --checkpoint=PATH, or --pretrained=NAME) --prompt="..." (or
--prompt_file=FILE) [--num=4] [--seed=0] --out=DIR`.

Writes, per prompt, each clip as GIF and MP4 plus its gist sketch as PNG, and one grid GIF with a
row per prompt. The same checkpoint, prompts and seed always give the same pixels.
"""

import logging
import re

from absl import app, flags

from vidgan_jax import paths, pretrained, video_io
from vidgan_jax.commands.common import check_output_folder, load_model, run_command
from vidgan_jax.text import PromptError, check_prompt

FLAGS = flags.FLAGS
logger = logging.getLogger(__name__)
flags.DEFINE_string("workdir", None, "Training workdir (its newest checkpoint is used).")
flags.DEFINE_string("checkpoint", None, "A checkpoint step directory (instead of --workdir).")
flags.DEFINE_string(
  "pretrained",
  None,
  "A generator shipped in the package, e.g. action_scenes/32px (instead "
  "of --workdir), or a folder written by `vidgan export`.",
)
flags.DEFINE_multi_string("prompt", None, "A caption; repeat the flag for several.")
flags.DEFINE_string(
  "prompt_file",
  None,
  "A UTF-8 text file with one caption per line (blank lines are "
  "skipped); with --prompt, its captions come after those.",
)
flags.DEFINE_integer("num", 4, "Clips per prompt.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Sampling seed.")
flags.DEFINE_string("out", None, "Output directory.")
flags.DEFINE_integer("fps", 8, "Frames per second of the GIF/MP4 files.", lower_bound=1)
flags.mark_flags_as_required(["out"])


def slug(text: str) -> str:
  return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "prompt"


def read_prompt_file(path: str) -> tuple[list[str], list[str]]:
  """(the captions of a prompt file, warnings for its blank lines); PromptError for a file that
  cannot be read or a line that is not a usable prompt, naming the line."""
  try:
    with open(path, encoding="utf-8-sig") as f:  # -sig: a byte-order mark (Windows editors) is not text.
      lines = f.read().splitlines()
  except (OSError, UnicodeDecodeError) as e:
    raise PromptError(f"cannot read the prompt file {path!r}: {e}") from None
  prompts, blank = [], []
  for number, line in enumerate(lines, start=1):
    if not line.strip():
      blank.append(number)
      continue
    try:
      prompts.append(check_prompt(line))
    except PromptError as e:
      raise PromptError(f"{path}, line {number}: {e}") from None
  warnings = [f"{path}: blank line(s) {', '.join(map(str, blank))} skipped"] if blank else []
  return prompts, warnings


def gather_prompts(flag_prompts: list[str] | None, prompt_file: str | None) -> tuple[list[str], list[str]]:
  """(the prompts of --prompt then --prompt_file, checked, and warnings); PromptError if none."""
  prompts, warnings = [check_prompt(p) for p in flag_prompts or []], []
  if prompt_file is not None:
    from_file, warnings = read_prompt_file(prompt_file)
    prompts += from_file
  if not prompts:
    raise PromptError(
      "no prompt given: pass --prompt='a man plays golf on the grass' or --prompt_file=FILE"
      if prompt_file is None
      else f"the prompt file {prompt_file!r} holds no prompt"
    )
  return prompts, warnings


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  check_output_folder("out", FLAGS.out)
  try:
    prompts, warnings = gather_prompts(FLAGS.prompt, FLAGS.prompt_file)
    model, source = load_model(FLAGS.workdir, FLAGS.checkpoint, FLAGS.pretrained)
  except (PromptError, pretrained.PretrainedError, ValueError) as e:
    raise app.UsageError(str(e)) from None
  for warning in warnings + [w for p in prompts for w in model.prompt_warnings(p)]:
    logger.warning("%s", warning)
  videos, gists = model.generate(prompts, FLAGS.num, FLAGS.seed)
  videos, gists = video_io.to_uint8(videos), video_io.to_uint8(gists)
  scale = max(1, 128 // videos.shape[-2])
  out = paths.resolve(FLAGS.out)
  out.mkdir(parents=True, exist_ok=True)
  for i, prompt in enumerate(prompts):
    name = f"{i:02d}_{slug(prompt)}"
    for j in range(FLAGS.num):
      clip = video_io.upscale(videos[i, j], scale)
      video_io.write_gif(out / f"{name}_{j}.gif", clip, FLAGS.fps)
      video_io.write_mp4(out / f"{name}_{j}.mp4", clip, FLAGS.fps)
      video_io.write_png(out / f"{name}_{j}_gist.png", video_io.upscale(gists[i, j], scale))
  grid = video_io.upscale(video_io.grid(videos), scale)
  video_io.write_gif(out / "grid.gif", grid, FLAGS.fps)
  (out / "prompts.txt").write_text("".join(f"{i:02d}\t{p}\n" for i, p in enumerate(prompts)), encoding="utf-8")
  print(f"wrote {len(prompts) * FLAGS.num} clips from step {model.step} ({source}) to {FLAGS.out}")


def run(argv: list[str]) -> None:
  run_command(main, argv)
