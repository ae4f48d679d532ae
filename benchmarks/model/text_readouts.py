"""The factor bottleneck's readouts trained on captions alone: how well each names the factors of
held-out pairs' captions, without a GAN around it.

    python benchmarks/model/text_readouts.py --config=experiments/proxy.py --variant=stage_factors --data_dir=data

For each `model.factor_readout`, on the experiment with the variant's overrides
(`experiments/variants.py`; it must turn on `model.factor_bottleneck`), the text encoder and the
bottleneck are trained on the training split's captions with the factor labels' cross-entropy
only (Adam at the config's generator learning rate, the config's batch size), then read the
`test_unseen` split's captions. Prints one markdown row per readout and seed: the
cross-entropy's mean over the first 100 steps, and the share of held-out captions whose most
likely class is right, per factor.
"""

import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import app, flags, logging

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from experiments.variants import VARIANTS  # noqa: E402
from vidgan_jax import input_pipeline, models  # noqa: E402
from vidgan_jax.configs import check_config, load_config_file  # noqa: E402
from vidgan_jax.evaluation import metrics  # noqa: E402
from vidgan_jax.models.text_encoder import FACTOR_READOUTS  # noqa: E402
from vidgan_jax.text import Tokenizer  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "experiments/proxy.py", "Experiment file (its text and model options).")
flags.DEFINE_enum("variant", "stage_factors", sorted(VARIANTS), "Variant with the factor bottleneck.")
flags.DEFINE_string("data_dir", None, "TFDS data_dir (default: the config's).")
flags.DEFINE_integer("steps", 1000, "Training steps per readout and seed.", lower_bound=100)
flags.DEFINE_integer("seeds", 3, "Seeds per readout (0, 1, ...).", lower_bound=1)
flags.DEFINE_string("held_out_split", "test_unseen", "Split whose captions are read after training.")


def _captions(builder, split: str, tokenizer: Tokenizer, keys) -> tuple[jax.Array, np.ndarray]:
  records = list(input_pipeline.open_split(builder, split))
  tokens = jnp.asarray(tokenizer.encode([r["caption"].decode() for r in records]))
  return tokens, np.array([[r[k] for k in keys] for r in records])


def train_readout(config, tokenizer: Tokenizer, train, held_out, seed: int, steps: int) -> tuple[float, list[float]]:
  """(mean cross-entropy over the first 100 steps, held-out accuracy per factor)."""
  generator, _ = models.build_models(config, tokenizer.vocab_size)
  tokens, labels = train
  params = generator.init(jax.random.key(seed), tokens[:2], method="condition")["params"]
  optimizer = optax.adam(config.optim.g_learning_rate)

  def loss_fn(p, x, y):
    logits = generator.apply({"params": p}, x, method="condition").factor_logits
    return sum(
      optax.softmax_cross_entropy_with_integer_labels(logits[f"factor_logits_{i}"], y[:, i]).mean()
      for i in range(y.shape[1])
    )

  @jax.jit
  def step(p, state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
    updates, state = optimizer.update(grads, state, p)
    return optax.apply_updates(p, updates), state, loss

  state, rng, early = optimizer.init(params), np.random.default_rng(seed), []
  for i in range(steps):
    batch = rng.integers(0, len(labels), config.batch_size)
    params, state, loss = step(params, state, tokens[batch], labels[batch])
    if i < 100:
      early.append(float(loss))
  logits = generator.apply({"params": params}, held_out[0], method="condition").factor_logits
  accuracy = [
    float(np.mean(metrics.accuracy(np.asarray(logits[f"factor_logits_{i}"]), held_out[1][:, i])))
    for i in range(held_out[1].shape[1])
  ]
  return float(np.mean(early)), accuracy


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  logging.set_verbosity(logging.WARNING)
  config = load_config_file(FLAGS.config)
  config.update_from_flattened_dict(VARIANTS[FLAGS.variant])
  if not config.model.factor_bottleneck:
    raise app.UsageError(f"variant {FLAGS.variant!r} has no factor bottleneck (model.factor_bottleneck=False)")
  check_config(config)
  builder = input_pipeline.load_builder(config.dataset, FLAGS.data_dir or config.data_dir)
  tokenizer = Tokenizer.for_config(input_pipeline.read_captions(builder, config.train_split), config.text)
  train = _captions(builder, config.train_split, tokenizer, config.factor_keys)
  held_out = _captions(builder, FLAGS.held_out_split, tokenizer, config.factor_keys)
  factors = " | ".join(f"held-out {k}" for k in config.factor_keys)
  print(f"| readout | seed | cross-entropy, first 100 steps | {factors} |\n|" + "---|" * (3 + len(config.factor_keys)))
  for readout in FACTOR_READOUTS:
    config.model.factor_readout = readout
    for seed in range(FLAGS.seeds):
      early, accuracy = train_readout(config, tokenizer, train, held_out, seed, FLAGS.steps)
      print(f"| {readout} | {seed} | {early:.2f} | " + " | ".join(f"{a:.2f}" for a in accuracy) + " |", flush=True)


if __name__ == "__main__":
  sys.exit(app.run(main))
