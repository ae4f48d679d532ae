"""The procedural `action_scenes` dataset (see README.md)."""

from tfds_builders.action_scenes.action_scenes_dataset_builder import Builder

__all__ = ["Builder"]
