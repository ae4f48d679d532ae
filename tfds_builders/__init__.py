"""The project's TFDS builders; importing this package registers them with TFDS."""

from tfds_builders import action_scenes, text2video_real  # noqa: F401
