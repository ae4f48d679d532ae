"""`make demo`: the best measured variant (experiments/variants.py's BEST_MEASURED) on the proxy's
8x16x16 clips, sized to train in a few minutes on 2 CPU cores.

At this size the variant composes held-out pairs within minutes, where the 16x32x32 quickstart
still draws agents at chance (docs/results.md); the generator shipped at 32px is sampled beside it.
"""

import pathlib
import runpy

from vidgan_jax.configs import load_config_file

HERE = pathlib.Path(__file__).parent


def get_config():
  config = load_config_file(HERE / "proxy.py")
  variants = runpy.run_path(str(HERE / "variants.py"))
  config.update_from_flattened_dict(dict(variants["VARIANTS"][variants["BEST_MEASURED"]]))
  config.num_train_steps = 500
  config.eval_every_steps = 0  # The demo's table comes from `vidgan eval` once training ends.
  config.sample_every_steps = 250
  config.checkpoint_every_steps = 250
  return config
