"""The `text2video_real` dataset: captioned videos from a manual_dir (see README.md); the builder is in
text2video_real_dataset_builder.py."""
