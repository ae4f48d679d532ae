"""The project's TFDS builders. `register_builders()` (or importing a `<name>_dataset_builder`
module) registers them with TFDS by name (`action_scenes`, `text2video_real`); the rest of each
package (rendering, captions, decoding) needs no TFDS or TensorFlow, so importing it stays light."""


def register_builders() -> None:
  """Makes `tfds.builder("action_scenes/32px")` and `vidgan build action_scenes` find the builders."""
  from vidgan_jax.datasets.action_scenes import action_scenes_dataset_builder  # noqa: F401
  from vidgan_jax.datasets.text2video_real import text2video_real_dataset_builder  # noqa: F401
