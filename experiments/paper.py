"""The paper's size: 32 frames of 64x64, the paper's transposed 3D convolutions; one GPU/TPU host."""

from experiments import default


def get_config():
  config = default.get_config()
  config.dataset = "action_scenes/64px"
  config.frames, config.size = 32, 64
  config.batch_size = 64
  config.shuffle_buffer = 4096
  config.num_train_steps = 100_000
  config.log_every_steps = 100
  config.sample_every_steps = 2_000
  config.checkpoint_every_steps = 2_000
  config.model.dtype = "bfloat16"
  config.model.upsample = "transpose"
  config.model.downsample = "strided"
  config.model.text_embed_dim, config.model.text_layers, config.model.text_dim = 128, 2, 256
  config.model.z_dim, config.model.noise_dim = 64, 64
  config.model.gist_width = 64
  config.model.refine_width = 64
  config.model.filters = 64
  config.model.disc_widths = (64, 128, 256, 512)
  config.model.disc_text_dim = 128
  config.ema_decay = 0.999
  return config
