"""Layer implementations that must compute the same function: per-frame vs native 3D convs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments import tiny
from vidgan_jax import models
from vidgan_jax.models.layers import per_frame_conv

pytestmark = pytest.mark.fast  # Unit tests: the `make test-fast` tier.


def _native(x, w):
  return jax.lax.conv_general_dilated(x, w, (1, 1, 1), "SAME", dimension_numbers=("NDHWC", "DHWIO", "NDHWC"))


def _per_frame(x, w):
  return per_frame_conv(x, w, (1, 1, 1), "SAME")


@pytest.mark.parametrize("taps", [3, 2])
def test_per_frame_conv_equals_a_3d_conv_with_gradients(taps):
  rng = np.random.default_rng(taps)
  x = jnp.asarray(rng.standard_normal((2, 5, 6, 7, 4)), jnp.float32)
  w = jnp.asarray(rng.standard_normal((taps, 3, 3, 4, 6)), jnp.float32)
  np.testing.assert_allclose(_per_frame(x, w), _native(x, w), rtol=1e-5, atol=1e-5)

  def loss(conv):
    return lambda x, w: jnp.sum(jnp.sin(conv(x, w)))

  native_grads = jax.grad(loss(_native), argnums=(0, 1))(x, w)
  per_frame_grads = jax.grad(loss(_per_frame), argnums=(0, 1))(x, w)
  for a, b in zip(per_frame_grads, native_grads):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_per_frame_conv_refuses_strides():
  x, w = jnp.zeros((1, 4, 4, 4, 2)), jnp.zeros((3, 3, 3, 2, 2))
  with pytest.raises(ValueError, match="stride-1"):
    per_frame_conv(x, w, (2, 2, 2), "SAME")


def test_generator_is_the_same_function_with_either_conv3d():
  config = tiny.get_config()
  rng = np.random.default_rng(0)
  tokens = jnp.asarray(rng.integers(2, 512, (2, config.text.max_length)), jnp.int32)
  video = jnp.asarray(rng.uniform(-1, 1, (2, config.frames, config.size, config.size, 3)), jnp.float32)
  z = jnp.asarray(rng.standard_normal((2, config.model.z_dim)), jnp.float32)
  noise = jnp.asarray(rng.standard_normal((2, config.model.noise_dim)), jnp.float32)
  outputs = {}
  for impl in ("native", "per_frame"):
    config.model.conv3d = impl
    generator, _ = models.build_models(config, 512)
    # The same key gives the same parameters: both implementations hold identical kernels.
    params = jax.jit(generator.init)(jax.random.key(1), tokens, video, z, noise)["params"]
    outputs[impl] = (params, jax.jit(generator.apply)({"params": params}, tokens, video, z, noise)["video"])
  native_params, native_video = outputs["native"]
  per_frame_params, per_frame_video = outputs["per_frame"]
  assert jax.tree.structure(native_params) == jax.tree.structure(per_frame_params)
  for a, b in zip(jax.tree.leaves(native_params), jax.tree.leaves(per_frame_params)):
    np.testing.assert_array_equal(a, b)
  np.testing.assert_allclose(per_frame_video, native_video, rtol=1e-4, atol=1e-4)


def test_unknown_conv3d_is_named():
  config = tiny.get_config()
  config.model.conv3d = "winograd"
  with pytest.raises(ValueError, match="model.conv3d='winograd'"):
    models.build_models(config, 512)
