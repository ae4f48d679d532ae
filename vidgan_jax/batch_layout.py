"""How a global batch splits over processes and their local devices."""

import dataclasses

import jax


@dataclasses.dataclass(frozen=True)
class BatchLayout:
  """How a global batch splits over processes and devices, seen from one process."""

  global_batch: int
  process_count: int
  local_devices: int
  process_index: int = 0

  @property
  def process_batch(self) -> int:
    return self.global_batch // self.process_count

  @property
  def device_batch(self) -> int:
    return self.process_batch // self.local_devices


def batch_layout(global_batch: int, devices: list | None = None) -> BatchLayout:
  """Validates that `global_batch` splits evenly over all devices; raises ValueError if not."""
  devices = jax.devices() if devices is None else devices
  process_count = len({d.process_index for d in devices})
  if global_batch <= 0:
    raise ValueError(f"batch_size must be positive, got {global_batch}")
  if global_batch % len(devices):
    raise ValueError(
      f"batch_size={global_batch} is not divisible by the {len(devices)} devices "
      f"({process_count} process(es)): use a multiple of {len(devices)}, e.g. "
      f"--config.batch_size={max(1, round(global_batch / len(devices))) * len(devices)}"
    )
  return BatchLayout(global_batch, process_count, len(devices) // process_count, jax.process_index())
