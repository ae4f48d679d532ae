"""The quickstart model at batch 32 on 2 CPU cores, with a learning curve: the 32px generator that
sessions without an accelerator can train in the background, and the one shipped as
`action_scenes/32px` (2,500 steps at 3.3 s a step alone; 204 min measured over two sessions with
the evaluations, resumed at step 1,500, the cores shared part of the time).

Trained with the best measured combination of the proxy (experiments/variants.py) by
`python benchmarks/model/results_row.py --config=experiments/quickstart_cpu.py
--variant=hard_mismatch_stage_factors_words_background_l1 --seed=0 --steps=2500` (docs/results.md).
Clips are rendered at start-up, so no build is needed.
"""

import pathlib

from vidgan_jax.configs import load_config_file


def get_config():
  config = load_config_file(pathlib.Path(__file__).with_name("quickstart.py"))
  config.input = "rendered"
  config.batch_size = 32
  config.num_train_steps = 2_500
  config.log_every_steps = 50
  config.sample_every_steps = 500
  config.checkpoint_every_steps = 250
  config.eval_every_steps = 500
  return config
