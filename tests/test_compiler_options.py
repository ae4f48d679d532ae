"""XLA options for one program: parsed from the config, applied per argument shapes, refused by name."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vidgan_jax import compiler_options, default_config

pytestmark = pytest.mark.fast  # Unit tests: the `make test-fast` tier.


def conv_sum(x, w):
  return jnp.sum(jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")))


class CountingLowerings:
  def __init__(self, function):
    self.function, self.lowerings = function, 0

  def lower(self, *args):
    self.lowerings += 1
    return self.function.lower(*args)

  def __call__(self, *args):
    return self.function(*args)


def test_parse_reads_name_value_pairs_and_names_a_bad_item():
  assert compiler_options.parse(" a=1  b=x,y c=true d=False", "key") == {"a": "1", "b": "x,y", "c": True, "d": False}
  assert compiler_options.parse("", "key") == {}
  with pytest.raises(ValueError, match=r"cpu_compiler_options: 'oops' is not an XLA option 'name=value'"):
    compiler_options.parse("a=1 oops", "cpu_compiler_options")


def test_the_default_options_compile_and_give_the_plain_programs_result():
  options = compiler_options.parse(default_config.get_config().cpu_compiler_options, "cpu_compiler_options")
  grad = jax.jit(jax.grad(conv_sum, argnums=(0, 1)))
  counted = CountingLowerings(grad)
  step = compiler_options.WithCompilerOptions(counted, options, "cpu_compiler_options")
  rng = np.random.default_rng(0)
  x, w = rng.normal(size=(2, 8, 8, 4)).astype(np.float32), rng.normal(size=(3, 3, 4, 5)).astype(np.float32)
  for got, want in zip(step(x, w), grad(x, w)):
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
  step(x + 1, w)
  assert counted.lowerings == 1  # Same shapes: the compiled program is reused.
  step(x[:1], w)
  assert counted.lowerings == 2  # New shapes: compiled again.


def test_an_option_xla_refuses_is_an_error_naming_the_config_key():
  step = compiler_options.WithCompilerOptions(jax.jit(conv_sum), {"xla_no_such_option": "1"}, "cpu_compiler_options")
  with pytest.raises(ValueError, match=r"cpu_compiler_options: XLA refused .*--config.cpu_compiler_options=''"):
    step(np.ones((1, 4, 4, 2), np.float32), np.ones((3, 3, 2, 2), np.float32))


def test_without_options_the_function_is_called_as_it_is():
  """As a multi-process pmap must be: its compiled program would want global arrays."""
  counted = CountingLowerings(jax.jit(conv_sum))
  x, w = np.ones((1, 4, 4, 2), np.float32), np.ones((3, 3, 2, 2), np.float32)
  assert float(compiler_options.WithCompilerOptions(counted, {}, "cpu_compiler_options")(x, w)) == float(conv_sum(x, w))
  assert counted.lowerings == 0
