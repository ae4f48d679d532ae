"""The project's TFDS builders; importing this package registers them with TFDS."""

from tfds_builders import action_scenes  # noqa: F401
