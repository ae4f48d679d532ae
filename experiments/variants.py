"""Model variants for results rows, named in one place: each maps dotted config keys to the values
that override an experiment file (passed on as `vidgan train --config.key=value`).

`benchmarks/results_row.py --variant=NAME` trains, evaluates and records one of them; a lever
gets a name here when it becomes a config option, and stays off in default_config.py until its
rows beat "defaults" beyond the seeds' spread (docs/results.md).
"""

VARIANTS = {
  # The experiment file as it is (today's defaults: spatial code, clip encoder, free bits, projection).
  "defaults": {},
  # The defaults before the cVAE-GAN path and the projection discriminator (README "Results").
  "previous": {"model.motion_code": "vector", "model.clip_encoder": False, "model.disc_conditioning": "concat"},
}
