"""Model variants for results rows, named in one place: each maps dotted config keys to the values
that override an experiment file (passed on as `vidgan train --config.key=value`).

`benchmarks/model/results_row.py --variant=NAME` trains, evaluates and records one of them; a lever
gets a name here when it becomes a config option, and stays off in default_config.py until its
rows beat "defaults" beyond the seeds' spread (docs/results.md).
"""

# The building blocks the levers share, combined below with `|`.
FACTORS = {"factor_keys": ("action", "scene"), "factor_classes": (10, 6)}
HARD_MISMATCH = {**FACTORS, "mismatch": "one_factor"}
BOTTLENECK = {**FACTORS, "model.factor_bottleneck": True}
LAYERED_BOTTLENECK = {**BOTTLENECK, "model.layered": True}
STAGE_FACTORS = {**LAYERED_BOTTLENECK, "model.background_factors": ("scene",)}
WORDS_READOUT = {"model.factor_readout": "words"}
BEST_COMBINATION = HARD_MISMATCH | STAGE_FACTORS | WORDS_READOUT
BEST_WITH_BACKGROUND_L1 = BEST_COMBINATION | {"loss.background_l1_weight": 1.0}

VARIANTS = {
  # The experiment file as it is (today's defaults: spatial code, clip encoder, free bits, projection).
  "defaults": {},
  # The defaults before the cVAE-GAN path and the projection discriminator (docs/gpu_results.md).
  "previous": {"model.motion_code": "vector", "model.clip_encoder": False, "model.disc_conditioning": "concat"},
  # Levers (issue #28), one question each; all off in default_config.py.
  # The mismatched caption differs in one factor only (same scene, another action, or the reverse).
  "hard_mismatch": HARD_MISMATCH,
  # Per-factor conditioning: the generator sees the caption only as the action and the scene it names.
  "factor_bottleneck": BOTTLENECK,
  # BicycleGAN's latent regression, at its ratio to the clip L1 weight (0.5 / 10).
  "latent_regression": {"loss.latent_regression_weight": 0.05},
  # Hard mismatches with per-factor conditioning: the two levers that moved held-out action.
  "hard_mismatch_bottleneck": HARD_MISMATCH | BOTTLENECK,
  # Per-stage conditioning: the sketch and the background see the scene's code only, the agent's
  # stream the action's only (layered generator, factor bottleneck).
  "stage_factors": STAGE_FACTORS,
  # Per-stage conditioning with hard mismatches.
  "hard_mismatch_stage_factors": HARD_MISMATCH | STAGE_FACTORS,
  # Per-stage conditioning alone with the words readout: does the diversity it brings survive?
  "stage_factors_words": STAGE_FACTORS | WORDS_READOUT,
  # The best combination, its factor logits reading the caption's words one by one instead of the
  # transformer's sentence embedding, which named held-out pairs' scenes by their actions.
  "hard_mismatch_stage_factors_words": BEST_COMBINATION,
  # The best combination with half the mismatched captions' share of the fake side (0.25): do
  # the hard mismatches cost diversity through their weight?
  "hard_mismatch_stage_factors_words_mismatch025": BEST_COMBINATION | {"loss.mismatch_weight": 0.25},
  # The best combination with the background stream pulled towards the real clip's temporal median
  # (the scene without its moving agent), at the clip L1's weight: the agent left to the stream
  # that knows the action.
  "hard_mismatch_stage_factors_words_background_l1": BEST_WITH_BACKGROUND_L1,
  # The discriminator's side (issue #38), each on the best measured combination: auxiliary
  # factor classifiers (AC-GAN).
  "hard_mismatch_stage_factors_words_background_l1_ac": BEST_WITH_BACKGROUND_L1 | {"model.disc_classifier": "ac"},
  # Mode seeking on the discriminator's clip features: clips of the batch with the same action and
  # scene spread apart where the discriminator looks, not in pixels.
  "hard_mismatch_stage_factors_words_background_l1_ms": BEST_WITH_BACKGROUND_L1 | {"loss.mode_seeking_weight": 0.1},
  # The same at three times the weight: does more of it buy more variety, and at what cost?
  "hard_mismatch_stage_factors_words_background_l1_ms03": BEST_WITH_BACKGROUND_L1 | {"loss.mode_seeking_weight": 0.3},
  # The layered generator with the bottleneck, every stage seeing both factors: stage_factors' baseline.
  "layered_bottleneck": LAYERED_BOTTLENECK,
  # Free bits for the sketch's code, whose KL otherwise falls to ~0 nats.
  "sketch_free_bits": {"loss.kl_free_nats": 8.0},
}

# The variant with the best measured held-out joint on the proxy (docs/results.md): what the demo
# and the CPU-trained 32px generator train, and what the benchmarks are tested on.
BEST_MEASURED = "hard_mismatch_stage_factors_words_background_l1"
