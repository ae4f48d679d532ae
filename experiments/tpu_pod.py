"""A TPU pod slice (e.g. v4-32: 16 chips, 4 hosts): the paper's clip size at a pod-sized batch.

Launch the same command on every host (`gcloud ... tpu-vm ssh --worker=all`); JAX discovers the
other hosts itself. The global batch must divide by the number of chips; each host reads its own
slice of the data. Learning rates are scaled up from `paper.py` for the larger batch (sqrt rule);
checkpoints are written less often per step, as each step covers more clips.
"""

import pathlib

from vidgan_jax.configs import load_config_file


def get_config():
  config = load_config_file(pathlib.Path(__file__).with_name("paper.py"))
  config.data_dir = "gs://YOUR_BUCKET/tensorflow_datasets"
  config.build_if_missing = False  # Build once, from one machine, before launching the pod.
  config.batch_size = 512
  config.optim.g_learning_rate = 2e-4 * (512 / 64) ** 0.5
  config.optim.d_learning_rate = 2e-4 * (512 / 64) ** 0.5
  config.num_train_steps = 30_000
  config.checkpoint_every_steps = 1_000
  config.sample_every_steps = 1_000
  return config
