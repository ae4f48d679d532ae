"""The evaluation classifier: a 3D CNN that names a clip's labels (action_scenes: action, scene,
agent colour and direction; text2video_real: category), one head per label of the protocol.

Trained once per dataset config on the protocol's classifier split (action_scenes: `classifier`,
real rendered clips of all 60 pairs; otherwise `train`) and cached under
`<data_dir>/eval_classifier/`, keyed by the dataset and the classifier config.
A classifier trained here for the default config ships in `pretrained/` (as FID ships its
Inception weights); it is used only after it scores what it scored when trained on the user's
own validation clips, which holds when their build of the dataset is the same.
Its accuracy on real test clips is the ceiling that generated clips are compared against; its
pooled activations are the features of the Fréchet distance and KID.
"""

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import optax
import tqdm
from etils import epath

from vidgan_jax import paths
from vidgan_jax.evaluation import metrics
from vidgan_jax.evaluation.protocol import Protocol
from vidgan_jax.models.layers import group_norm, space_to_depth

if TYPE_CHECKING:  # The functions that read clips import the input pipeline (and TFDS) when called.
  import tensorflow_datasets as tfds

logger = logging.getLogger(__name__)
PRETRAINED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained")
# How far a shipped classifier's validation accuracy may fall below the one it was published
# with before it is judged to belong to another build of the dataset (200 clips at 32px: one
# clip is 0.005; the same build and code give the same figures).
PRETRAINED_TOLERANCE = 0.02


class ClipClassifier(nn.Module):
  """clip [B, T, H, W, 3] in [-1, 1] -> logits per head, clip features [B, F], frame features [B, T, C].

  A per-frame stage (2D 3x3 convs) whose spatially pooled output gives frame features, then a
  spatio-temporal stage (3x3x3 convs); every block first halves H and W by space-to-depth.
  The spatio-temporal output, mean- and max-pooled and projected to `feature_dim`, gives the clip
  features that feed one linear head per label.
  """

  frame_widths: Sequence[int]
  clip_widths: Sequence[int]
  feature_dim: int
  head_sizes: Sequence[tuple[str, int]]

  @nn.compact
  def __call__(self, video: jax.Array) -> tuple[dict[str, jax.Array], jax.Array, jax.Array]:
    batch, frames = video.shape[:2]
    video = video.astype(jnp.float32)
    # Each frame comes with its change from the previous frame: motion (an action's swing or
    # stroke, the direction of travel) is visible to the per-frame stage from the first layer.
    change = jnp.concatenate([jnp.zeros_like(video[:, :1]), jnp.diff(video, axis=1)], axis=1)
    x = jnp.concatenate([video, change], -1)
    # Frames as a batch of images: XLA's 2D convolutions are several times faster than 1x3x3 3D ones.
    x = x.reshape((batch * frames,) + x.shape[2:])
    for features in self.frame_widths:
      x = self._block(x, features, (3, 3))
    x = x.reshape((batch, frames) + x.shape[1:])
    frame_features = x.mean(axis=(2, 3))
    for features in self.clip_widths:
      x = self._block(x, features, (3, 3, 3))
    # Max pooling keeps the response to a small agent that the mean over the scene would dilute.
    pooled = jnp.concatenate([x.mean(axis=(1, 2, 3)), x.max(axis=(1, 2, 3))], -1)
    clip_features = nn.relu(nn.Dense(self.feature_dim)(pooled))
    logits = {name: nn.Dense(size, name=f"{name}_head")(clip_features) for name, size in self.head_sizes}
    return logits, clip_features, frame_features

  def _block(self, x: jax.Array, features: int, kernel: tuple[int, ...]) -> jax.Array:
    """Halves H and W of [N, (T,) H, W, C] by space-to-depth, then conv, GroupNorm, ReLU."""
    factors = (1,) * (len(kernel) - 2) + (2, 2)
    x = nn.Conv(features, kernel)(space_to_depth(x, factors))
    return nn.relu(group_norm(features, jnp.float32)(x))


@flax.struct.dataclass
class TrainedClassifier:
  """A classifier module and its parameters; `apply` maps clips to (logits, clip, frame features)."""

  module: ClipClassifier = flax.struct.field(pytree_node=False)
  params: dict

  def apply(self, video: jax.Array):
    return self.module.apply({"params": self.params}, video)


def build_classifier(config: ml_collections.ConfigDict, heads: Sequence[tuple[str, int]]) -> ClipClassifier:
  return ClipClassifier(tuple(config.frame_widths), tuple(config.clip_widths), config.feature_dim, tuple(heads))


def _training_batches(
  builder: "tfds.core.DatasetBuilder", protocol: Protocol, batch_size: int, seed: int
) -> Iterator[dict]:
  """Endless batches of the classifier split in a new seeded order every epoch, clips in [-1, 1]."""
  from vidgan_jax import batches, input_pipeline
  from vidgan_jax.batch_layout import BatchLayout

  batches.allow_grain_flags()
  clips = input_pipeline.open_split(builder, protocol.classifier_split)
  one_process = BatchLayout(global_batch=batch_size, process_count=1, local_devices=1)
  try:
    dataset = batches.process_batches(clips, one_process, seed=seed)
  except ValueError:  # The split cannot fill one batch (batches.process_slice): say which, and what to set.
    raise ValueError(
      f"the evaluation classifier learns from the {protocol.classifier_split!r} split of "
      f"{builder.info.full_name}, {len(clips)} clips, fewer than its batch of {batch_size}: set "
      f"--config.eval.classifier.batch_size to at most {len(clips)}"
    ) from None
  heads = protocol.head_names
  dataset = dataset.map(lambda b: {"video": input_pipeline.clip_to_float(b["video"]), **{k: b[k] for k in heads}})
  return iter(dataset.to_iter_dataset(batches.READ_OPTIONS))


def _loss(module: ClipClassifier, params, batch: dict) -> tuple[jax.Array, dict]:
  logits, _, _ = module.apply({"params": params}, batch["video"])
  losses = {name: optax.softmax_cross_entropy_with_integer_labels(logits[name], batch[name]).mean() for name in logits}
  return sum(losses.values()), losses


def train_classifier(
  builder: "tfds.core.DatasetBuilder", config: ml_collections.ConfigDict, protocol: Protocol
) -> TrainedClassifier:
  """Trains on the classifier split for `config.train_steps` steps of Adam; logs the losses."""
  module = build_classifier(config, protocol.heads)
  shape = builder.info.features["video"].shape
  params = module.init(jax.random.key(config.seed), jnp.zeros((1,) + tuple(shape), jnp.float32))["params"]
  optimizer = optax.adam(config.learning_rate)

  @jax.jit
  def step(params, opt_state, batch):
    (_, losses), grads = jax.value_and_grad(lambda p: _loss(module, p, batch), has_aux=True)(params)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, losses

  opt_state = optimizer.init(params)
  batches = _training_batches(builder, protocol, config.batch_size, config.seed)
  bar = tqdm.trange(config.train_steps, desc="training the evaluation classifier", unit="step", disable=None)
  for i in bar:
    params, opt_state, losses = step(params, opt_state, next(batches))
    if (i + 1) % max(1, config.train_steps // 10) == 0 or i + 1 == config.train_steps:
      losses = {k: float(v) for k, v in losses.items()}
      bar.set_postfix(losses)
      logger.info(
        "classifier step %d/%d: %s",
        i + 1,
        config.train_steps,
        ", ".join(f"{k} loss {v:.3f}" for k, v in losses.items()),
      )
  return TrainedClassifier(module, params)


def _config_key(config: ml_collections.ConfigDict) -> str:
  return hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:12]


def cache_dir(builder: "tfds.core.DatasetBuilder", config: ml_collections.ConfigDict) -> epath.Path:
  """Where the classifier for this dataset config and classifier config is kept (beside the data:
  a local folder or, for a data_dir in a bucket, the bucket)."""
  return epath.Path(builder.data_dir_root) / "eval_classifier" / builder.info.full_name / _config_key(config)


def pretrained_dir(builder: "tfds.core.DatasetBuilder", config: ml_collections.ConfigDict) -> epath.Path:
  """Where a shipped classifier for this dataset config and classifier config would be."""
  return epath.Path(PRETRAINED_DIR) / builder.info.full_name / _config_key(config)


def validation_accuracy(
  classifier: TrainedClassifier, builder: "tfds.core.DatasetBuilder", protocol: Protocol, batch_size: int = 64
) -> dict[str, float] | None:
  """Accuracy of every head on the real clips of the validation split (None if there is none)."""
  from vidgan_jax import input_pipeline

  if protocol.validation_split is None:
    return None
  apply = jax.jit(lambda c, v: c.apply(v)[0])
  heads = protocol.head_names
  correct = {name: 0 for name in heads}
  total = 0
  for batch in input_pipeline.ordered_batches(builder, protocol.validation_split, batch_size, ("video",) + heads):
    logits = apply(classifier, input_pipeline.clip_to_float(batch["video"]))
    for name in heads:
      correct[name] += int(metrics.accuracy(logits[name], batch[name]).sum())
    total += len(batch["video"])
  return {name: correct[name] / total for name in heads}


def _save(path: epath.Path, classifier: TrainedClassifier, meta: dict) -> None:
  """Writes params and meta into a fresh folder, then renames it into place (never half-written);
  in a bucket, where each object appears whole or not at all, straight into place."""
  target = path if paths.is_uri(path) else path.with_name(path.name + ".partial")
  target.rmtree(missing_ok=True)
  target.mkdir(parents=True)
  (target / "params.msgpack").write_bytes(flax.serialization.to_bytes(classifier.params))
  (target / "meta.json").write_text(json.dumps(meta, indent=2))
  if target != path:
    path.rmtree(missing_ok=True)
    target.rename(path)


def _load(path: epath.Path, module: ClipClassifier, shape: tuple[int, ...]) -> TrainedClassifier:
  target = jax.eval_shape(lambda: module.init(jax.random.key(0), jnp.zeros((1,) + shape, jnp.float32)))
  params = flax.serialization.from_bytes(target["params"], (path / "params.msgpack").read_bytes())
  return TrainedClassifier(module, params)


def _load_pretrained(
  builder: "tfds.core.DatasetBuilder",
  config: ml_collections.ConfigDict,
  protocol: Protocol,
  module: ClipClassifier,
  shape: tuple[int, ...],
) -> tuple[TrainedClassifier, dict] | None:
  """The shipped classifier and its meta.json, if there is one and it scores on this build's
  validation clips what it scored when published; None (with a warning if it does not) otherwise."""
  path = pretrained_dir(builder, config)
  if not path.is_dir() or protocol.validation_split is None:
    return None
  try:
    classifier = _load(path, module, shape)
    meta = json.loads((path / "meta.json").read_text())
    published = meta["validation_accuracy"]
  except Exception as e:  # noqa: BLE001  (a damaged copy costs a training run, nothing more)
    logger.warning("the shipped evaluation classifier in %s is unreadable (%s); training one", path, e)
    return None
  measured = validation_accuracy(classifier, builder, protocol)
  worse = {k: (measured[k], v) for k, v in published.items() if measured[k] < v - PRETRAINED_TOLERANCE}
  if worse:
    logger.warning(
      "the shipped evaluation classifier scores lower on this build's validation clips "
      "(%s): this dataset build differs from the one it was trained on; training one",
      ", ".join(f"{k} {m:.3f} vs {v:.3f}" for k, (m, v) in worse.items()),
    )
    return None
  logger.info(
    "evaluation classifier: the shipped one (%s; validation accuracy %s)",
    path,
    ", ".join(f"{k} {v:.3f}" for k, v in measured.items()),
  )
  return classifier, meta


def load_or_train(
  builder: "tfds.core.DatasetBuilder", config: ml_collections.ConfigDict, protocol: Protocol, retrain: bool = False
) -> TrainedClassifier:
  """The cached classifier for this dataset and config; else the shipped one, if it passes its
  check on the validation clips; else trains one (also when the cache is unreadable, or when
  `retrain` is set) and caches it."""
  path = cache_dir(builder, config)
  module = build_classifier(config, protocol.heads)
  shape = tuple(builder.info.features["video"].shape)
  if path.is_dir() and not retrain:
    try:
      classifier = _load(path, module, shape)
      logger.info("evaluation classifier loaded from %s", path)
      return classifier
    except Exception as e:  # noqa: BLE001  (any damage to the cache: say so, then rebuild it)
      logger.warning("evaluation classifier in %s is unreadable (%s); training it again", path, e)
  shipped = None if retrain else _load_pretrained(builder, config, protocol, module, shape)
  if shipped is not None:
    classifier, meta = shipped
    _save(path, classifier, meta)
    return classifier
  start = time.time()
  classifier = train_classifier(builder, config, protocol)
  seconds = time.time() - start
  _save(
    path,
    classifier,
    {
      "dataset": builder.info.full_name,
      "config": config.to_dict(),
      "train_seconds": round(seconds, 1),
      "validation_accuracy": validation_accuracy(classifier, builder, protocol),
    },
  )
  logger.info("evaluation classifier trained in %.0f s, saved to %s", seconds, path)
  return classifier
