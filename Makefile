# Two entry points for a fresh machine (Python >= 3.11, nothing installed):
#   make demo   set up .venv, build the procedural dataset, train the best measured variant at 16px
#               (experiments/demo.py), write samples and the evaluation table, and sample the two
#               generators shipped in the package (~6.5 min on 2 cores)
#   make test   set up .venv and run the tests
#   make test-fast  the unit tests alone (marker `fast`, a few minutes): the inner loop
#   make test-alone every test in its own pytest process (finds tests that need another's leftovers)
#   make beam-test  the Apache Beam build of text2video_real, in its own .venv-beam (CI runs it too)
#   make peer-test  the PyTorch peer (benchmarks/torch_peer) against our networks, in its own .venv-peer
#   make chaos  20 random kills of a training run, 20 bit flips in its checkpoint and 20 in one device's
#               copy of a train state, 12 kills of train, build and eval counting the processes left,
#               the damaged-video set, the odd prompts and arguments, then
#               builds killed, damaged and out of disk, 10 trials each on two datasets (~22 min)
# Both install the versions in constraints.txt; `make lock` updates it (see that file).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
WORKDIR ?= workdirs/demo
SAMPLES ?= $(WORKDIR)/demo_samples
# Seen pairs, then two held-out ones; the demo run and the shipped generators all sample them.
DEMO_PROMPTS := --prompt="a man plays golf on the grass" \
  --prompt="someone kitesurfs on the waves" \
  --prompt="a person swims laps in the swimming pool" \
  --prompt="a woman plays hockey on the ice rink" \
  --prompt="a man plays golf in the swimming pool" \
  --prompt="someone sails a boat across the snow"

BEAM_VENV := .venv-beam
PEER_VENV := .venv-peer

.PHONY: demo test test-fast test-alone lint device-wheels beam-test peer-test chaos preview lock lock-beam clean

$(BIN)/vidgan: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,notebook]'
	touch $@

demo: $(BIN)/vidgan
	$(BIN)/vidgan build action_scenes --config=16px --data_dir=$(DATA_DIR)
	$(BIN)/vidgan train --config=experiments/demo.py --workdir=$(WORKDIR) --config.data_dir=$(DATA_DIR)
	$(BIN)/vidgan sample --workdir=$(WORKDIR) --num=3 --out=$(SAMPLES) $(DEMO_PROMPTS)
	$(BIN)/vidgan eval --workdir=$(WORKDIR) --out=$(WORKDIR)/eval
	$(BIN)/vidgan sample --pretrained=action_scenes/32px --num=3 --out=$(WORKDIR)/pretrained_samples $(DEMO_PROMPTS)
	$(BIN)/vidgan sample --pretrained=action_scenes/32px_gpu --num=3 --out=$(WORKDIR)/pretrained_gpu_samples $(DEMO_PROMPTS)
	@echo "samples: $(SAMPLES)/grid.gif; evaluation: $(WORKDIR)/eval/report.md;" \
	  "training samples and TensorBoard logs: $(WORKDIR);" \
	  "the shipped generators' samples: $(WORKDIR)/pretrained_samples/grid.gif (32px)," \
	  "$(WORKDIR)/pretrained_gpu_samples/grid.gif (32px_gpu)"

test: $(BIN)/vidgan
	$(BIN)/python -m pytest -q --durations=12

test-fast: $(BIN)/vidgan
	$(BIN)/python -m pytest -q -m fast --durations=5

# Beam caps versions the core pins newer (protobuf, pyarrow, pillow): its own venv and constraints.
$(BEAM_VENV)/bin/vidgan: pyproject.toml constraints-beam.txt
	$(PYTHON) -m venv $(BEAM_VENV)
	$(BEAM_VENV)/bin/pip install --quiet --upgrade pip
	$(BEAM_VENV)/bin/pip install --quiet -c constraints-beam.txt -e '.[dev,beam]'
	touch $@

beam-test: $(BEAM_VENV)/bin/vidgan
	$(BEAM_VENV)/bin/python -m pytest -q tests/test_text2video_real_beam.py

# PyTorch is the peer's requirement only, never the package's: its own venv beside the package.
$(PEER_VENV)/bin/vidgan: pyproject.toml constraints.txt benchmarks/torch_peer/requirements.txt
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet --upgrade pip
	$(PEER_VENV)/bin/pip install --quiet -c constraints.txt -e '.[dev]' -r benchmarks/torch_peer/requirements.txt
	touch $@

peer-test: $(PEER_VENV)/bin/vidgan
	$(PEER_VENV)/bin/python -m pytest -q benchmarks/torch_peer/peer_test.py tests/test_device_run.py -k "peer_test or perf_job"

chaos: $(BIN)/vidgan
	$(BIN)/python -m benchmarks.reliability.chaos --trials=20 --videos --prompts --args --bitflips=20 --replicas=20 --orphans=12 --workdir=workdirs/chaos
	$(BIN)/python -m benchmarks.reliability.chaos_builds --trials=10 --workdir=workdirs/chaos_builds

# Wheels for a lent GPU (Python 3.12, x86-64): what the package needs beyond the device image's JAX,
# Flax, Optax, orbax and PyTorch, at the versions of constraints.txt, into .whl/ for the device
# script (benchmarks/device/device_run.sh, carried with carry=[".whl"]). A package with no wheel on PyPI
# (promise: pure Python) is built into one here.
DEVICE_WHEELS := tensorflow-datasets grain array_record jax_loop_utils ml_collections av simple-parsing dill \
  importlib_resources immutabledict promise dm-tree tensorflow-metadata termcolor toml docstring_parser
device-wheels:
	rm -rf .whl && mkdir .whl
	for name in $(DEVICE_WHEELS); do \
	  pin=$$(grep -i "^$$name==" constraints.txt) || { echo "$$name is not in constraints.txt"; exit 1; }; \
	  $(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
	    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
	    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any -d .whl "$$pin" \
	  || $(PYTHON) -m pip wheel --quiet --no-deps -w .whl "$$pin" || exit 1; \
	done
	du -sh .whl

# The formatter and linter (settings in pyproject.toml); `ruff format .` applies the format.
test-alone: $(BIN)/vidgan
	$(BIN)/python -m benchmarks.reliability.tests_alone --jobs=2 --out=workdirs/tests_alone.md

lint: $(BIN)/vidgan
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

preview: $(BIN)/vidgan
	$(BIN)/python -m vidgan_jax.datasets.action_scenes.make_preview

# Resolve the newest versions pyproject.toml allows in a scratch venv and write them to
# constraints.txt; then run `make clean test` and commit constraints.txt if it passes.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev,notebook]'
	{ sed -n '/^#/p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^vidgan'; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .lock-venv

lock-beam:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev,beam]'
	{ sed -n '/^#/p' constraints-beam.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^vidgan'; } > constraints.new
	mv constraints.new constraints-beam.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) $(BEAM_VENV) $(PEER_VENV) $(DATA_DIR) workdirs .pytest_cache
