"""TFDS's own builder test, on the `tiny` config with dummy_data/ as the manual_dir."""

import tensorflow_datasets as tfds

from tfds_builders.text2video_real import text2video_real_dataset_builder


class Text2VideoRealTinyTest(tfds.testing.DatasetBuilderTestCase):
  DATASET_CLASS = text2video_real_dataset_builder.Builder
  BUILDER_CONFIG_NAMES_TO_TEST = ["tiny"]
  SPLITS = {"train": 2, "test": 1}
  SKIP_CHECKSUMS = True


if __name__ == "__main__":
  tfds.testing.test_main()
