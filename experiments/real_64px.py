"""Your own videos at the paper's size: text2video_real/64px, built from a manual_dir.

Build first (see tfds_builders/text2video_real/README.md):
  vidgan build text2video_real --config=64px --manual_dir=DIR --data_dir=data
"""

import pathlib

from vidgan_jax.configs import load_config_file


def get_config():
  config = load_config_file(pathlib.Path(__file__).with_name("paper.py"))
  config.dataset = "text2video_real/64px"
  config.label_key = "category"
  config.build_if_missing = False  # It needs --manual_dir, so it is built with `vidgan build`.
  config.sample_prompts = (
    "a man plays golf on the grass",
    "kite surfing on the sea",
    "a person swimming in a pool",
    "playing golf in the swimming pool",
    "sailing on the snow",
  )
  return config
