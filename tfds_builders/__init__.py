"""The project's TFDS builders. Importing a `<name>_dataset_builder` module registers that builder
with TFDS; the rest of each package (rendering, captions, decoding) needs no TFDS or TensorFlow."""
