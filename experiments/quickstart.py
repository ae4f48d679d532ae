"""CPU quickstart: action_scenes/32px (16x32x32 clips), narrow networks; minutes on 2 cores."""

from experiments import default


def get_config():
  config = default.get_config()
  config.dataset = "action_scenes/32px"
  config.frames, config.size = 16, 32
  config.batch_size = 8
  config.num_train_steps = 1500
  config.log_every_steps = 50
  config.sample_every_steps = 250
  config.checkpoint_every_steps = 250
  return config
