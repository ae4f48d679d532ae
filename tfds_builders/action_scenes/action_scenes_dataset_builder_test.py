"""The builder's own test on the `tiny` config, as TFDS's builder tests do it (split sizes, every
record decodes to its feature's shape), without TensorFlow: written as ArrayRecord, read back by
position."""

import numpy as np

from vidgan_jax.datasets.action_scenes import action_scenes_dataset_builder

SPLITS = {"train": 80, "validation": 20, "test": 20, "test_unseen": 20, "classifier": 120}


def test_tiny_builds_every_split_and_reads_back(tmp_path):
  builder = action_scenes_dataset_builder.Builder(config="tiny", data_dir=str(tmp_path), file_format="array_record")
  builder.download_and_prepare()
  assert {name: split.num_examples for name, split in builder.info.splits.items()} == SPLITS
  for split in SPLITS:
    examples = builder.as_data_source(split)
    for example in (examples[0], examples[len(examples) - 1]):
      assert example["video"].shape == (8, 16, 16, 3) and example["video"].dtype == np.uint8
      assert example["caption"] and 0 <= example["pair"] < builder.info.features["pair"].num_classes
