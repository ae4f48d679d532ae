"""ml_collections experiment configs; each overrides `vidgan_jax/default_config.py`, the defaults and
their documentation."""
