"""Train state and the joint train step: pure functions, pmapped over the local devices.

One step updates the discriminator and the generator (text encoder, sketch and refine stages) from
the same batch: the generator's gradients flow through the current discriminator, the
discriminator sees the generated clips with gradients stopped, and both gradients are averaged
over devices with `lax.pmean` before the Adam updates. Everything random inside the step is drawn
per example from (seed, step, global example index), so a step's result does not depend on how
the global batch is split over devices and a resumed run draws the same noise.
"""

import functools
from typing import Any, NamedTuple

import flax.struct
import jax
import jax.numpy as jnp
import ml_collections
import optax

from vidgan_jax import compiler_options, losses
from vidgan_jax.distributed import AXIS
from vidgan_jax.models import Discriminator, Generator, sown_clip_features, sown_factor_logits, sown_streams
from vidgan_jax.noise import example_noise, noise_key

Params = Any


@flax.struct.dataclass
class TrainState:
  step: jax.Array
  g_params: Params
  d_params: Params
  ema_params: Params  # Exponential moving average of g_params, used for sampling.
  g_opt_state: optax.OptState
  d_opt_state: optax.OptState
  nonfinite_steps: jax.Array  # Steps whose update was skipped for a non-finite loss or gradient.


def make_optimizers(config: ml_collections.ConfigDict) -> tuple[optax.GradientTransformation, ...]:
  o = config.optim
  return (optax.adam(o.g_learning_rate, b1=o.b1, b2=o.b2), optax.adam(o.d_learning_rate, b1=o.b1, b2=o.b2))


def init_keys(config: ml_collections.ConfigDict) -> tuple[jax.Array, jax.Array]:
  """Keys for the generator's and the discriminator's initial parameters."""
  key = jax.random.key(config.seed, impl=config.init_rng_impl)
  return tuple(jax.random.split(key))


def example_generator_inputs(config: ml_collections.ConfigDict) -> tuple[jax.Array, ...]:
  """One example of the generator's training inputs (tokens, video, z noise, video noise), for init."""
  return (
    jnp.ones((1, config.text.max_length), jnp.int32),
    jnp.zeros((1, config.frames, config.size, config.size, 3), jnp.float32),
    jnp.zeros((1, config.model.z_dim)),
    jnp.zeros((1, config.model.noise_dim)),
  )


def abstract_generator_params(config: ml_collections.ConfigDict, generator: Generator):
  """The shapes and dtypes of `generator`'s parameters (jax.ShapeDtypeStruct leaves), computed
  without allocating them: the target for reading saved parameters."""
  return jax.eval_shape(lambda: generator.init(jax.random.key(0), *example_generator_inputs(config))["params"])


def create_train_state(
  config: ml_collections.ConfigDict, generator: Generator, discriminator: Discriminator
) -> TrainState:
  """Initial parameters (from config.seed) and optimiser states; on the host, unreplicated."""
  g_key, d_key = init_keys(config)
  tokens, video, z, noise = example_generator_inputs(config)
  g_params = jax.jit(generator.init)(g_key, tokens, video, z, noise)["params"]
  d_params = jax.jit(discriminator.init)(d_key, video, tokens)["params"]
  g_tx, d_tx = make_optimizers(config)
  return TrainState(
    step=jnp.zeros((), jnp.int32),
    g_params=g_params,
    d_params=d_params,
    ema_params=g_params,
    g_opt_state=g_tx.init(g_params),
    d_opt_state=d_tx.init(d_params),
    nonfinite_steps=jnp.zeros((), jnp.int32),
  )


def video_to_float(video: jax.Array) -> jax.Array:
  """uint8 clip [..., 3] -> float32 in [-1, 1], the generator's range (as input_pipeline.clip_to_float).

  Batches travel as uint8 and are converted here, on the device: a quarter of the bytes of float32
  through host memory and the host-to-device copy.
  """
  if video.dtype != jnp.uint8:
    raise TypeError(f"batch['video'] must be uint8 (as the input pipeline delivers it), got {video.dtype}")
  return video.astype(jnp.float32) / 127.5 - 1.0


def compute_gradients(
  state: TrainState,
  batch: dict,
  *,
  generator: Generator,
  discriminator: Discriminator,
  config: ml_collections.ConfigDict,
) -> tuple[Params, Params, dict]:
  """Generator and discriminator gradients and metrics, averaged over devices (call under pmap).

  batch: video u8 [b, T, H, W, 3], tokens and mismatch_tokens i32 [b, L], mismatch_valid f32 [b];
  with `config.factor_keys`, factors i32 [b, F] (the labels of the factor bottleneck and of the
  discriminator's classifier). Both gradients are taken at the current parameters; the losses are
  `losses.generator_loss` and `losses.discriminator_objective`.
  """
  loss_cfg = config.loss
  video, tokens = video_to_float(batch["video"]), batch["tokens"]
  factors = batch.get("factors")
  device_batch = video.shape[0]
  example_index = jax.lax.axis_index(AXIS) * device_batch + jnp.arange(device_batch)
  z_noise, video_noise = example_noise(
    noise_key(config.seed, state.step), example_index, config.model.z_dim, config.model.noise_dim
  )
  encoded = encoded_examples(example_index, loss_cfg.encoded_fraction) if config.model.clip_encoder else None
  reconstruct, fraction = (
    (jnp.ones(device_batch), 1.0) if encoded is None else (encoded.astype(jnp.float32), loss_cfg.encoded_fraction)
  )

  def g_loss_fn(g_params):
    out = generator_outputs(generator, g_params, (tokens, video, z_noise, video_noise, encoded), loss_cfg)
    if factors is not None:
      out["factor_labels"] = factors
    if loss_cfg.latent_regression_weight > 0:
      # BicycleGAN's cLR: only the generator learns from it, the encoder and text are held still.
      frozen = jax.lax.stop_gradient(g_params)
      out["recovered_code"] = generator.apply(
        {"params": frozen}, out["video"], jax.lax.stop_gradient(out["text"]), method=Generator.recover_code
      )
    verdict = judge(discriminator, state.d_params, out["video"], tokens, with_features=loss_cfg.mode_seeking_weight > 0)
    if verdict.factor_logits:
      out["disc_factor_logits"] = verdict.factor_logits
    if verdict.features is not None:
      out["disc_features"] = verdict.features
    loss, metrics = losses.generator_loss(out, video, verdict.logits, reconstruct, fraction, loss_cfg, AXIS)
    return loss, (metrics, out["video"])

  (_, (g_metrics, fake)), g_grads = jax.value_and_grad(g_loss_fn, has_aux=True)(state.g_params)
  fake = jax.lax.stop_gradient(fake)

  def d_loss_fn(d_params):
    # One discriminator pass over [real; fake; real] with [text; text; mismatched text].
    verdict = judge(
      discriminator,
      d_params,
      jnp.concatenate([video, fake, video]),
      jnp.concatenate([tokens, tokens, batch["mismatch_tokens"]]),
    )
    real, fake_logits, mismatch = jnp.split(verdict.logits, 3)
    r1 = r1_penalty(discriminator, d_params, video, tokens) if loss_cfg.r1_weight > 0 else None
    classes = ([x[:device_batch] for x in verdict.factor_logits], factors) if verdict.factor_logits else None
    return losses.discriminator_objective(real, fake_logits, mismatch, batch["mismatch_valid"], loss_cfg, r1, classes)

  (_, d_metrics), d_grads = jax.value_and_grad(d_loss_fn, has_aux=True)(state.d_params)
  g_grads, d_grads = jax.lax.pmean((g_grads, d_grads), AXIS)
  metrics = {**g_metrics, **d_metrics, "g_grad_norm": optax.tree.norm(g_grads), "d_grad_norm": optax.tree.norm(d_grads)}
  return g_grads, d_grads, jax.lax.pmean(metrics, AXIS)


class Verdict(NamedTuple):
  """What the discriminator says of clips with captions."""

  logits: jax.Array  # The clip discriminator's [B].
  factor_logits: list[jax.Array]  # model.disc_classifier: per factor [B, classes_i]; []: off.
  features: jax.Array | None = None  # Its pooled clip features [B, C] when asked for; None: not asked.


def judge(
  discriminator: Discriminator, d_params, video: jax.Array, tokens: jax.Array, with_features: bool = False
) -> Verdict:
  """The discriminator's verdict on clips [B, T, H, W, 3] with caption tokens [B, L]."""
  if not (discriminator.video.factor_classes or with_features):
    return Verdict(discriminator.apply({"params": d_params}, video, tokens), [])
  logits, state = discriminator.apply({"params": d_params}, video, tokens, mutable=["intermediates"])
  return Verdict(logits, sown_factor_logits(state), sown_clip_features(state) if with_features else None)


def generator_outputs(generator: Generator, g_params, inputs: tuple, loss_cfg: ml_collections.ConfigDict) -> dict:
  """The generator's training outputs for `inputs` (see `Generator.__call__`); with
  loss.background_l1_weight also its background stream alone, "background" [B, T, H, W, 3]."""
  if loss_cfg.background_l1_weight <= 0:
    return generator.apply({"params": g_params}, *inputs)
  out, state = generator.apply({"params": g_params}, *inputs, mutable=["intermediates"])
  out["background"] = sown_streams(state)["background"]
  return out


def encoded_examples(example_index: jax.Array, fraction: float) -> jax.Array:
  """Which examples [B] (bool) take their own clip code: an evenly spread `fraction` of the
  global batch, decided by the example's index so that it does not depend on the device split."""
  if not 0.0 < fraction <= 1.0:
    raise ValueError(f"loss.encoded_fraction={fraction} must be in (0, 1]")
  return (example_index * fraction) % 1.0 < fraction


def train_step(
  state: TrainState,
  batch: dict,
  *,
  generator: Generator,
  discriminator: Discriminator,
  config: ml_collections.ConfigDict,
) -> tuple[TrainState, dict]:
  """One joint update of generator and discriminator on this device's slice of the batch.

  Call under pmap(axis_name=AXIS); see `compute_gradients` for the batch. Returns the new state
  and device-averaged scalar metrics. A step whose losses or gradients are not finite changes
  nothing but the step counter and `nonfinite_steps` (the same on every device, as the gradients
  are averaged first); the loop reports it and applies `config.nonfinite_policy`.
  """
  g_grads, d_grads, metrics = compute_gradients(
    state, batch, generator=generator, discriminator=discriminator, config=config
  )
  g_tx, d_tx = make_optimizers(config)
  g_updates, g_opt_state = g_tx.update(g_grads, state.g_opt_state, state.g_params)
  d_updates, d_opt_state = d_tx.update(d_grads, state.d_opt_state, state.d_params)
  g_params = optax.apply_updates(state.g_params, g_updates)
  d_params = optax.apply_updates(state.d_params, d_updates)
  # The decay warms up (as in TensorFlow's ExponentialMovingAverage with num_updates) so that
  # early samples are not dominated by the random initial weights.
  decay = jnp.minimum(config.ema_decay, (1.0 + state.step) / (10.0 + state.step))
  ema_params = optax.incremental_update(g_params, state.ema_params, 1.0 - decay)

  updated = state.replace(
    g_params=g_params, d_params=d_params, ema_params=ema_params, g_opt_state=g_opt_state, d_opt_state=d_opt_state
  )
  finite = (
    jnp.isfinite(metrics["g_loss"])
    & jnp.isfinite(metrics["d_loss"])
    & jnp.isfinite(metrics["g_grad_norm"])
    & jnp.isfinite(metrics["d_grad_norm"])
  )
  new_state = jax.tree.map(lambda new, old: jnp.where(finite, new, old), updated, state)
  new_state = new_state.replace(step=state.step + 1, nonfinite_steps=state.nonfinite_steps + (~finite))
  return new_state, {**metrics, "nonfinite_steps": new_state.nonfinite_steps}


def r1_penalty(discriminator: Discriminator, d_params, video: jax.Array, tokens: jax.Array) -> jax.Array:
  """Mean over examples of |d D(real, text) / d real|^2."""

  def real_logit_sum(v):
    return discriminator.apply({"params": d_params}, v, tokens).sum()

  grads = jax.grad(real_logit_sum)(video)
  return jnp.mean(jnp.sum(grads.reshape(grads.shape[0], -1) ** 2, axis=-1))


def make_p_train_step(
  generator: Generator, discriminator: Discriminator, config: ml_collections.ConfigDict
) -> compiler_options.WithCompilerOptions:
  """The pmapped step; donates the old state so its buffers are reused. In a one-process run on
  the CPU it is compiled with `config.cpu_compiler_options`. `.compile(state, batch)` compiles it
  ahead of the first call."""
  step = functools.partial(train_step, generator=generator, discriminator=discriminator, config=config)
  p_step = jax.pmap(step, axis_name=AXIS, donate_argnums=(0,))
  options = {}
  if jax.default_backend() == "cpu" and jax.process_count() == 1:
    options = compiler_options.parse(config.cpu_compiler_options, "cpu_compiler_options")
  return compiler_options.WithCompilerOptions(p_step, options, "cpu_compiler_options")
