"""ml_collections experiment configs; `default.py` holds the shared defaults."""
