"""Tests: 8x16x16 clips, narrow networks, a few steps; seconds on a CPU."""

from vidgan_jax import default_config


def get_config():
  config = default_config.get_config()
  config.dataset = "action_scenes/tiny"
  config.frames, config.size = 8, 16
  config.batch_size = 8
  config.input_workers = 0  # Tests start many short runs: no worker processes to spawn.
  config.num_train_steps = 6
  config.log_every_steps = 2
  config.sample_every_steps = 3
  config.checkpoint_every_steps = 3
  m = config.model
  m.text_embed_dim, m.text_dim, m.text_heads = 16, 32, 2
  m.z_dim, m.noise_dim = 8, 8
  m.gist_width = m.refine_width = m.filters = 8
  m.disc_widths, m.disc_text_dim = (8, 16, 16, 32), 16
  config.optim.g_learning_rate = config.optim.d_learning_rate = 1e-3  # Visible learning in a few steps.
  config.sample_prompts = ("a man plays golf on the grass", "someone sails a boat across the snow")
  config.eval.num_per_pair, config.eval.batch_size = 4, 16
  c = config.eval.classifier
  c.frame_widths, c.clip_widths, c.feature_dim = (8, 16), (16,), 16
  c.train_steps, c.batch_size = 60, 16
  return config
