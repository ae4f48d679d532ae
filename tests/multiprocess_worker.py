"""One process of the two-process training test (tests/test_multiprocess.py), or its reference.

`train`: joins a two-process run on localhost (2 fake CPU devices each), trains the tiny config
with the global batch of 8, and writes its final parameters and the ids of the examples its data
slice holds. `reference`: one process with 4 devices trains on the same global batches (the two
processes' slices side by side, as the 4 devices of the two-process run see them).
"""

import argparse
import json
import os
import sys

DEVICES_PER_PROCESS = 2


def parse_args() -> argparse.Namespace:
  parser = argparse.ArgumentParser()
  parser.add_argument("mode", choices=("train", "reference"))
  parser.add_argument("--workdir", required=True)
  parser.add_argument("--data_dir", required=True)
  parser.add_argument("--out", required=True)
  parser.add_argument("--steps", type=int, required=True)
  parser.add_argument("--port", type=int)
  parser.add_argument("--process_id", type=int)
  return parser.parse_args()


def tiny_config(args):
  from vidgan_jax.configs import load_config_file

  config = load_config_file(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "experiments", "tiny.py")
  )
  config.data_dir = args.data_dir
  config.num_train_steps = args.steps
  config.checkpoint_every_steps = config.log_every_steps = 2
  config.sample_every_steps = 1000
  return config


def save_params(path: str, state) -> None:
  import jax
  import numpy as np

  leaves = jax.tree_util.tree_leaves_with_path({"g": state.g_params, "d": state.d_params})
  np.savez(path, **{jax.tree_util.keystr(p): np.asarray(x) for p, x in leaves})


def train(args) -> None:
  import logging

  logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
  logging.getLogger("vidgan_jax").setLevel(logging.INFO)
  from vidgan_jax import batches, distributed, input_pipeline
  from vidgan_jax import train as train_lib

  distributed.initialize(
    multihost=False,
    coordinator_address=f"127.0.0.1:{args.port}",
    num_processes=2,
    process_id=args.process_id,
    heartbeat_timeout_seconds=10,
  )
  config = tiny_config(args)
  state = train_lib.train_and_evaluate(config, args.workdir)
  save_params(os.path.join(args.out, f"params_{args.process_id}.npz"), state)
  layout = input_pipeline.batch_layout(config.batch_size)
  builder = input_pipeline.load_builder(config.dataset, config.data_dir)
  examples = range(builder.info.splits[config.train_split].num_examples)
  ids = list(examples[batches.process_slice(len(examples), layout)])
  with open(os.path.join(args.out, f"ids_{args.process_id}.json"), "w") as f:
    json.dump({"ids": ids, "layout": layout.__dict__}, f)


def reference(args) -> None:
  import numpy as np

  from vidgan_jax import distributed, input_pipeline, train_step
  from vidgan_jax import train as train_lib
  from vidgan_jax.models import build_models

  config = tiny_config(args)
  builder = input_pipeline.load_builder(config.dataset, config.data_dir)
  os.makedirs(args.workdir, exist_ok=True)
  tokenizer = train_lib.prepare_tokenizer(
    args.workdir, lambda: input_pipeline.read_captions(builder, config.train_split), config
  )
  generator, discriminator = build_models(config, tokenizer.vocab_size)
  iterators = [
    input_pipeline.split_batches(
      builder,
      tokenizer,
      input_pipeline.BatchLayout(config.batch_size, 2, DEVICES_PER_PROCESS, process),
      split=config.train_split,
      label_key=config.label_key,
      seed=config.seed,
    )
    for process in range(2)
  ]
  p_step = train_step.make_p_train_step(generator, discriminator, config)
  state = distributed.replicate(train_step.create_train_state(config, generator, discriminator))
  for _ in range(config.num_train_steps):
    parts = [next(it) for it in iterators]
    state, _ = p_step(state, {k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
  save_params(os.path.join(args.out, "params_reference.npz"), distributed.unreplicate(state))


def main() -> None:
  args = parse_args()
  count = DEVICES_PER_PROCESS * (2 if args.mode == "reference" else 1)
  os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={count}"
  sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  (train if args.mode == "train" else reference)(args)


if __name__ == "__main__":
  main()
