# Two entry points for a fresh machine (Python >= 3.11, nothing installed):
#   make demo   set up .venv, build the procedural dataset, train the CPU quickstart, write samples
#               and the evaluation table
#   make test   set up .venv and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
WORKDIR ?= workdirs/quickstart
SAMPLES ?= $(WORKDIR)/demo_samples

.PHONY: demo test preview clean

$(BIN)/vidgan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/vidgan
	$(BIN)/vidgan build tfds_builders/action_scenes --config=32px --data_dir=$(DATA_DIR)
	$(BIN)/vidgan train --config=experiments/quickstart.py --workdir=$(WORKDIR) --config.data_dir=$(DATA_DIR)
	$(BIN)/vidgan sample --workdir=$(WORKDIR) --num=3 --out=$(SAMPLES) \
	  --prompt="a man plays golf on the grass" \
	  --prompt="someone kitesurfs on the waves" \
	  --prompt="a person swims laps in the swimming pool" \
	  --prompt="a woman plays hockey on the ice rink" \
	  --prompt="a man plays golf in the swimming pool" \
	  --prompt="someone sails a boat across the snow"
	$(BIN)/vidgan eval --workdir=$(WORKDIR) --out=$(WORKDIR)/eval
	@echo "samples: $(SAMPLES)/grid.gif; evaluation: $(WORKDIR)/eval/report.md;" \
	  "training samples and TensorBoard logs: $(WORKDIR)"

test: $(BIN)/vidgan
	$(BIN)/python -m pytest -q --durations=12

preview: $(BIN)/vidgan
	$(BIN)/python -m tfds_builders.action_scenes.make_preview

clean:
	rm -rf $(VENV) $(DATA_DIR) workdirs .pytest_cache
