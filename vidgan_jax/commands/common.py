"""What several commands share: choosing the generator from --workdir, --checkpoint or --pretrained."""

from vidgan_jax import checkpoints, pretrained
from vidgan_jax.inference import TrainedGenerator, load_generator


def load_model(
  workdir: str | None, checkpoint: str | None, pretrained_name: str | None
) -> tuple[TrainedGenerator, str]:
  """The EMA generator named by exactly one of the three flags, and where it came from.

  Raises ValueError (a usage error) unless exactly one is given, and pretrained.PretrainedError
  for a shipped generator that is missing or damaged.
  """
  given = [
    flag
    for flag, value in (("--workdir", workdir), ("--checkpoint", checkpoint), ("--pretrained", pretrained_name))
    if value is not None
  ]
  if len(given) != 1:
    raise ValueError(f"give exactly one of --workdir, --checkpoint or --pretrained (got {', '.join(given) or 'none'})")
  if pretrained_name is not None:
    return pretrained.load(pretrained_name), str(pretrained.resolve(pretrained_name))
  step_dir, generator = checkpoints.read_newest(workdir or checkpoint, load_generator)
  return generator, str(step_dir)
