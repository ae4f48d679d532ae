"""Every hyper-parameter's default and what it means. The configs in experiments/ start from
`get_config()` and override what they change; `configs.check_config` holds them to this schema."""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()

  # Data.
  config.dataset = "action_scenes/32px"
  config.data_dir = "data"  # TFDS data_dir, relative to the working directory.
  config.build_if_missing = True  # Build the dataset on first use.
  # Where training clips come from: "tfds" (the built dataset, read with Grain) or "rendered"
  # (action_scenes only: the same clips rendered at start-up and kept in memory, no build step).
  config.input = "tfds"
  # Worker processes that read and decode (tfds) or render (rendered) the training clips:
  # -1 = one per core, 0 = none (this process does it).
  config.input_workers = -1
  config.frames = 16
  config.size = 32
  config.train_split = "train"
  # Feature whose classes tell captions apart; the discriminator's mismatched caption comes from
  # another class. "pair" (action-scene) for action_scenes, "category" for text2video_real.
  config.label_key = "pair"
  # Class-label features the caption names one by one, e.g. ("action", "scene") for action_scenes:
  # they feed `mismatch="one_factor"` and `model.factor_bottleneck`. (): none.
  config.factor_keys = ()
  # The class count of each of factor_keys (checked against the dataset at start-up), e.g. (10, 6).
  config.factor_classes = ()
  # The mismatched caption: "other_pair" (another example's, of a different pair) or "one_factor"
  # (preferably one that differs in exactly one of factor_keys: same scene, another action, ...).
  config.mismatch = "other_pair"

  # Schedule.
  config.seed = 0
  # PRNG of the initial parameters: "rbg" compiles ~4x faster than "threefry2x32" on CPU
  # (measured: generator init 15.6 s -> 4.1 s). Training noise always uses threefry (see train.py).
  config.init_rng_impl = "rbg"
  config.batch_size = 8  # Global, across all devices and processes.
  config.num_train_steps = 1000
  config.log_every_steps = 20
  config.sample_every_steps = 200
  config.checkpoint_every_steps = 200
  config.keep_checkpoints = 3
  # Compare a digest of every device's copy of the train state this often and before every
  # checkpoint (vidgan_jax/replicas.py): a copy that differs stops the run before it is saved. 0: off.
  config.replica_check_every_steps = 100
  # Evaluate the EMA generator every this many steps (and at the end) inside training, with
  # eval.train_num_per_pair clips per pair: a learning curve in the log and TensorBoard (eval/).
  # 0: off. Any dataset `vidgan eval` judges (the protocol its build states or its labels give).
  config.eval_every_steps = 0
  # A profiler trace (jax.profiler, for TensorBoard's profile tab or Perfetto) of this many steps
  # from step profile_first_step on, into <workdir>/tensorboard; 0: none.
  config.profile_steps = 0
  config.profile_first_step = 10
  # XLA options for compiling the train step on the CPU in one-process runs ("name=value ...";
  # "": XLA's defaults). XLA's CPU backend hands convolutions, dots and reductions to YNNPACK by
  # default; XLA's own convolutions are faster here (weight gradients 1.7-3x): the quickstart step
  # ~12% faster on 2 cores (`benchmarks/speed/compare_compiler_options.py`, docs/performance.md).
  config.cpu_compiler_options = (
    "xla_cpu_experimental_ynn_fusion_type=LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"
  )

  # Text.
  config.text = ml_collections.ConfigDict()
  config.text.vocab_size = 512  # 256 byte-fallback pieces + ~250 BPE merges: ~10 tokens a caption.
  config.text.max_length = 24

  # Networks.
  config.model = ml_collections.ConfigDict()
  config.model.dtype = "float32"  # Compute dtype; parameters are always float32.
  config.model.upsample = "subpixel"  # or "transpose" (the paper's deconvolutions).
  config.model.downsample = "space_to_depth"  # or "strided" (4-wide stride-2 convs).
  # How 3x3x3 convs run: "per_frame" (temporal taps stacked into channels, one 2D conv over all
  # frames: the same function and parameters, 1.3-3.5x faster on CPU) or "native" (one 3D conv).
  config.model.conv3d = "per_frame"
  config.model.text_embed_dim = 64
  config.model.text_layers = 1
  config.model.text_heads = 4
  config.model.text_dim = 128
  config.model.z_dim = 32
  config.model.gist_width = 16
  # What the sketch draws of a clip: "mean" (its temporal mean) or "first" (its first frame, the paper's).
  config.model.gist_target = "mean"
  config.model.refine_width = 16
  config.model.filters = 16
  config.model.filter_size = 3
  config.model.noise_dim = 32
  # How the refine stage's noise enters: "vector" (one code per coarse time step, broadcast over
  # space) or "spatial" (a code per coarse (t, y, x) cell, `motion_channels` wide).
  config.model.motion_code = "spatial"
  config.model.motion_channels = 8
  # Two streams: a foreground (agent + alpha) from text and noise alone over the gist-based clip.
  config.model.layered = False
  # cVAE-GAN path: an encoder q(w | clip, text) gives the reconstructed examples their own code.
  config.model.clip_encoder = True
  config.model.encoder_widths = (16, 32, 64)
  config.model.disc_widths = (16, 32, 64, 128)
  config.model.disc_text_dim = 64
  config.model.disc_conditioning = "projection"  # or "concat" (the paper's).
  # Auxiliary factor classifiers on the discriminator's clip features, from config.factor_keys:
  # "ac" (AC-GAN): a head per factor learns the real clips' classes and the generator is pushed
  # towards the classes its caption names, each factor learnt on its own (held-out pairs
  # included). "none": off. Weighted by loss.disc_classifier_weight. On the CPU proxy it raised
  # seen action and cut diversity (docs/results.md); TAC-GAN's twin heads, tried as the fix, did
  # not restore it and were removed.
  config.model.disc_classifier = "none"
  # Per-factor conditioning: the generator sees the caption only through the classes it names
  # (models.FactorBottleneck), learned from the factor labels with loss.factor_text_weight.
  config.model.factor_bottleneck = False
  # What the bottleneck's factor logits read: "sentence" (the transformer's caption embedding) or
  # "words" (per factor, an attention over the caption's unmixed word embeddings; see
  # models.FactorBottleneck).
  config.model.factor_readout = "sentence"
  # Per-stage conditioning, with the bottleneck and model.layered: the factors named here (e.g.
  # ("scene",)) alone condition the sketch and the background stream, the others alone the
  # foreground (agent) stream, so that an action and a scene never seen together still each reach
  # the stage that draws them. (): every stage sees every factor.
  config.model.background_factors = ()

  # Loss: gamma_cvae * (kl_weight * KL + gist L1) + gamma_gan * GAN + gamma_l1 * clip L1.
  config.loss = ml_collections.ConfigDict()
  config.loss.gan = "hinge"  # or "non_saturating"
  config.loss.gamma_cvae = 1.0
  config.loss.kl_weight = 0.05
  config.loss.gamma_gan = 0.1
  config.loss.gamma_l1 = 1.0
  config.loss.mismatch_weight = 0.5  # Share of the fake term given to (real clip, wrong text).
  # With model.clip_encoder: the share of each batch reconstructed from its own code (clip L1 and
  # KL(q(w | clip, text) || N(0, I)) with weight clip_kl_weight); the rest get prior noise and
  # only the adversarial term, as at sampling time.
  config.loss.encoded_fraction = 0.5
  config.loss.clip_kl_weight = 0.001  # BicycleGAN's ratio of KL to image L1 weights (0.01 / 10).
  # "Free bits": the clip code's KL is not penalised while its batch mean is below this many
  # nats, so that the code keeps what the clip L1 term needs (agent position, colour, path)
  # instead of collapsing (measured: without it the KL falls to 0.001 nats; docs/gpu_results.md).
  config.loss.clip_kl_free_nats = 16.0
  config.loss.r1_weight = 0.0
  # Free bits for the sketch's code: its KL is not penalised while the batch mean is below this
  # many nats (0: always penalised).
  config.loss.kl_free_nats = 0.0
  # BicycleGAN's latent regression (cLR): the clip encoder recovers the prior noise from the clip it
  # made, |E(G(c, w)) - w|, for the examples made from prior noise (needs model.clip_encoder). 0: off.
  config.loss.latent_regression_weight = 0.0
  # With model.layered: the background stream alone is pulled (L1) towards the real clip's
  # temporal median, the scene with its moving agent left out, on the reconstructed examples, so
  # that the agent is the foreground stream's to draw. 0: off.
  config.loss.background_l1_weight = 0.0
  # With model.factor_bottleneck: the cross-entropy of the caption's factor logits and its labels.
  config.loss.factor_text_weight = 1.0
  # With model.disc_classifier: the discriminator's classifier cross-entropy on real clips at this
  # weight, the generator's on its clips at gamma_gan times it (it is part of the adversarial game).
  config.loss.disc_classifier_weight = 1.0
  # Mode seeking on the discriminator's clip features (needs config.factor_keys): the generator
  # spreads apart, in the discriminator's pooled features, the clips of the batch that show the same
  # factors, per unit of distance between their noise (losses.feature_spread). 0: off. On the CPU
  # proxy 0.1 raised diversity on every seed without moving action or held-out joint; 0.3 bought
  # it with noise and lost held-out joint (docs/results.md).
  config.loss.mode_seeking_weight = 0.0

  # Optimisation.
  config.optim = ml_collections.ConfigDict()
  config.optim.g_learning_rate = 2e-4
  config.optim.d_learning_rate = 2e-4
  config.optim.b1 = 0.5
  config.optim.b2 = 0.999
  config.ema_decay = 0.99
  # A step with a non-finite loss or gradient never changes the weights. "skip": go on, warn at
  # the next log line; "stop": raise there, without saving over the last good checkpoint.
  config.nonfinite_policy = "skip"

  config.sample_prompts = (
    "a man plays golf on the grass",
    "someone kitesurfs on the waves",
    "a person swims laps in the swimming pool",
    "a man plays golf in the swimming pool",
    "someone sails a boat across the snow",
  )

  # Evaluation (`vidgan eval`): generated clips judged by a classifier trained on real clips.
  config.eval = ml_collections.ConfigDict()
  # Generated clips per prompt set of the dataset's evaluation protocol (evaluation/protocol.py):
  # an action-scene pair in action_scenes, a category in text2video_real.
  config.eval.num_per_pair = 16
  config.eval.train_num_per_pair = 4  # The same inside training (`eval_every_steps`): a cheap subset.
  # Prompts per set; the clips alternate. action_scenes: held-out caption templates (8 stored per
  # pair); otherwise test captions of the category, drawn with eval.seed.
  config.eval.prompts_per_pair = 2
  config.eval.seed = 0
  config.eval.batch_size = 64  # Clips per classifier forward pass.
  config.eval.frame_samples = 2048  # Frame features drawn for the frame-level Frechet distance and KID.
  config.eval.classifier = ml_collections.ConfigDict()
  config.eval.classifier.frame_widths = (16, 32)  # Per-frame 2D stage; its pooled output: frame features.
  config.eval.classifier.clip_widths = (64,)  # Spatio-temporal 3D stage.
  config.eval.classifier.feature_dim = 64  # Clip features (Frechet distance, KID, diversity).
  config.eval.classifier.train_steps = 1000
  config.eval.classifier.batch_size = 32
  config.eval.classifier.learning_rate = 1e-3
  config.eval.classifier.seed = 0
  return config
