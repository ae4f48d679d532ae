"""XLA compiler options for one program, given in a config as `"name=value name=value"`.

`XLA_FLAGS` would set them for every program of the process, but XLA aborts the process at start
on a flag its version does not know; options passed to one compilation are refused with an error
that can name the config key instead.
"""

from collections.abc import Callable
from typing import Any

import jax


def parse(text: str, key: str) -> dict[str, str | bool]:
  """Reads `a=1 b=x,y c=true` as {"a": "1", "b": "x,y", "c": True}; `key` (the config key) names
  the text in errors. XLA parses the strings itself, except booleans, which it wants as "True"."""
  options = {}
  for item in text.split():
    name, sep, value = item.partition("=")
    if not (name and sep):
      raise ValueError(f"{key}: {item!r} is not an XLA option 'name=value'")
    options[name] = {"true": True, "false": False}.get(value.lower(), value)
  return options


class WithCompilerOptions:
  """Calls a jitted or pmapped function through programs compiled with `options`, one per set of
  argument shapes and dtypes (as `jax.jit` would key them); without options, calls it as it is.

  A compiled pmap takes global arrays, where the pmapped function itself also takes each process's
  local ones: give options to functions of one process only.
  """

  def __init__(self, function: Callable, options: dict[str, str | bool], key: str):
    self._function = function
    self._options = options
    self._key = key
    self._compiled: dict[Any, Any] = {}

  def compile(self, *args) -> Any:
    """The compiled program for `args` (compiled on the first call with their shapes)."""
    leaves, treedef = jax.tree.flatten(args)
    signature = (treedef, tuple((jax.numpy.shape(x), jax.numpy.result_type(x)) for x in leaves))
    if signature not in self._compiled:
      lowered = self._function.lower(*args)
      try:
        self._compiled[signature] = lowered.compile(compiler_options=self._options)
      except jax.errors.JaxRuntimeError as e:
        if "option" not in str(e):
          raise
        raise ValueError(
          f"{self._key}: XLA refused {self._options} ({e}); set --config.{self._key}='' for XLA's defaults"
        ) from e
    return self._compiled[signature]

  def __call__(self, *args):
    if not self._options:
      return self._function(*args)
    return self.compile(*args)(*args)
