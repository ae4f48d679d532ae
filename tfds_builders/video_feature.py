"""The clip feature both builders store: no TensorFlow to write or read it."""

import numpy as np
import tensorflow_datasets as tfds


def video_feature(frames: int, size: int) -> tfds.features.Tensor:
  """A clip [T, H, W, 3] uint8 stored as its raw bytes: TFDS encodes and decodes it with numpy
  alone (`tfds.features.Video` calls TensorFlow), and ArrayRecord compresses each record."""
  return tfds.features.Tensor(shape=(frames, size, size, 3), dtype=np.uint8, encoding=tfds.features.Encoding.BYTES)
