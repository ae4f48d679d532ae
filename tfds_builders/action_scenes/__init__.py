"""The procedural `action_scenes` dataset (see README.md); the builder is in action_scenes_dataset_builder.py."""
