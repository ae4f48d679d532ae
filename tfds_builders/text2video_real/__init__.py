"""The `text2video_real` dataset: captioned videos from a manual_dir (see README.md)."""

from tfds_builders.text2video_real.text2video_real_dataset_builder import Builder

__all__ = ["Builder"]
