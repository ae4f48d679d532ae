"""TFDS's own builder test, on the `tiny` config."""

import tensorflow_datasets as tfds

from tfds_builders.action_scenes import action_scenes_dataset_builder


class ActionScenesTinyTest(tfds.testing.DatasetBuilderTestCase):
  DATASET_CLASS = action_scenes_dataset_builder.Builder
  BUILDER_CONFIG_NAMES_TO_TEST = ["tiny"]
  SPLITS = {"train": 80, "validation": 20, "test": 20, "test_unseen": 20, "classifier": 120}
  SKIP_CHECKSUMS = True


if __name__ == "__main__":
  tfds.testing.test_main()
