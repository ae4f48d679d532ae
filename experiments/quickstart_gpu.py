"""The quickstart model at batch 64 for 5,500 steps on one GPU: the shipped action_scenes/32px generator.

Clips are rendered at start-up (`input="rendered"`), so a GPU host needs neither TensorFlow nor a
built dataset. On one H200 shared with three other runs: 6.4 minutes (docs/gpu_results.md).
"""

import pathlib

from vidgan_jax.configs import load_config_file


def get_config():
  config = load_config_file(pathlib.Path(__file__).with_name("quickstart.py"))
  config.input = "rendered"
  config.batch_size = 64
  config.num_train_steps = 5_500
  config.log_every_steps = 100
  config.sample_every_steps = 1_000
  config.checkpoint_every_steps = 500
  return config
