"""CPU quickstart: action_scenes/32px (16x32x32 clips), narrow networks; minutes on 2 cores."""

from vidgan_jax import default_config


def get_config():
  config = default_config.get_config()
  config.dataset = "action_scenes/32px"
  config.frames, config.size = 16, 32
  config.batch_size = 8
  # ~0.7 s/step on 2 CPU cores (measured): 400 steps take ~5 minutes. By then the samples show
  # the right scene for seen and held-out pairs, with a blurry moving agent.
  config.num_train_steps = 400
  config.log_every_steps = 50
  config.sample_every_steps = 100
  config.checkpoint_every_steps = 100
  # A higher rate than default_config.py's 2e-4: the scene colours and layout appear within 200 steps.
  config.optim.g_learning_rate = config.optim.d_learning_rate = 5e-4
  return config
