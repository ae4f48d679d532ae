"""The builder's own test on the `tiny` config with dummy_data/ as the manual_dir, as TFDS's builder
tests do it (split sizes, every record decodes to its feature's shape), without TensorFlow:
written as ArrayRecord, read back by position."""

import os

import numpy as np
import tensorflow_datasets as tfds

from vidgan_jax.datasets.text2video_real import text2video_real_dataset_builder

SPLITS = {"train": 2, "test": 1}
DUMMY_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dummy_data")


def test_tiny_builds_from_dummy_data_and_reads_back(tmp_path):
  builder = text2video_real_dataset_builder.Builder(config="tiny", data_dir=str(tmp_path), file_format="array_record")
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=DUMMY_DATA))
  assert {name: split.num_examples for name, split in builder.info.splits.items()} == SPLITS
  for split in SPLITS:
    for example in builder.as_data_source(split):
      assert example["video"].shape == (8, 16, 16, 3) and example["video"].dtype == np.uint8
      assert example["caption"] and example["path"].decode().endswith(".mp4")
