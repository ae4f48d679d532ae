"""The paper's size: 32 frames of 64x64, batch 64, bf16 compute; one GPU/TPU host.

The generator upsamples with sub-pixel 3D convolutions and the discriminator downsamples with
space-to-depth + 2-wide convolutions, rather than the paper's stride-2 transposed and strided
convolutions: the same functions (a 3x3x3 sub-pixel conv contains every 4-wide stride-2 transposed
conv; space-to-depth + 2-wide conv is a 4-wide stride-2 conv), and the step is 1.65x faster on an
H100 (146 vs 241 ms, see docs/performance.md). `--config.model.upsample=transpose
--config.model.downsample=strided` gives the paper's literal layers.
"""

from vidgan_jax import default_config


def get_config():
  config = default_config.get_config()
  config.dataset = "action_scenes/64px"
  config.frames, config.size = 32, 64
  config.batch_size = 64
  config.num_train_steps = 100_000
  config.log_every_steps = 100
  config.sample_every_steps = 2_000
  config.checkpoint_every_steps = 2_000
  config.model.dtype = "bfloat16"
  config.model.upsample = "subpixel"
  config.model.downsample = "space_to_depth"
  config.model.conv3d = "native"  # cuDNN's 3D convs, as in the README's H100 timings.
  config.model.text_embed_dim, config.model.text_layers, config.model.text_dim = 128, 2, 256
  config.model.z_dim, config.model.noise_dim = 64, 64
  config.model.gist_width = 64
  config.model.refine_width = 64
  config.model.filters = 64
  config.model.disc_widths = (64, 128, 256, 512)
  config.model.disc_text_dim = 128
  config.ema_decay = 0.999
  return config
