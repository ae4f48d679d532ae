"""Evaluation: a classifier trained on real clips judges generated ones (`vidgan eval`)."""
