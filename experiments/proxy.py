"""CPU proxy for model experiments: the quickstart's networks on action_scenes/16px (8x16x16 clips).

On 2 CPU cores it trains 58 clips/s (1.8 steps/s), and the seen-pair action ratio passes 0.5 by
step 1,000, where the 16x32x32 quickstart sits at chance; model levers are judged here over seeds
before they run at scale (docs/results.md, `benchmarks/model/results_row.py`).
"""

import pathlib

from vidgan_jax.configs import load_config_file


def get_config():
  config = load_config_file(pathlib.Path(__file__).with_name("quickstart.py"))
  config.dataset = "action_scenes/16px"
  config.frames, config.size = 8, 16
  config.input = "rendered"
  config.batch_size = 32
  # Every results row of docs/results_rows.md trains this long: the row command reproduces it as typed.
  config.num_train_steps = 1_000
  config.log_every_steps = 100
  config.sample_every_steps = 1_000
  config.checkpoint_every_steps = 500
  config.eval_every_steps = 500
  config.optim.g_learning_rate = config.optim.d_learning_rate = 5e-4
  return config
