#!/usr/bin/env bash
# The prepared device script: everything a lent GPU is for, in one call, a markdown report under $OUT.
#
#   bash benchmarks/device/device_run.sh perf     # the paper step: profile, bench, PyTorch peer, input, loop, FLOPs
#   bash benchmarks/device/device_run.sh models   # #28 at scale: defaults vs the best variant, seeds, eval, export
#
# On the device (see docs/performance.md): `make device-wheels` here first, then the `run` tool with
# carry=[".whl"] and the command `OUT=$OUT bash benchmarks/device/device_run.sh perf`. The script installs the
# carried wheels and this package into /tmp/site (the device's image has JAX, Flax, Optax, orbax and
# PyTorch, not TFDS, Grain or the rest); without a .whl folder it uses the Python it finds.
#
# Dry run on the CPU (tests/test_device_run.py): DRY_RUN=1 runs every stage at experiments/tiny.py
# with a few steps, so that the script is known to work before a device minute is spent.
set -uo pipefail
cd "$(dirname "$0")/../.."
JOB=${1:?usage: device_run.sh perf|models}
OUT=${OUT:?set OUT to the folder the report goes to}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/progress.log"; }

if [ -d .whl ] && [ "${DRY_RUN:-0}" != 1 ]; then  # The wheels are for the device's Python, not this one.
  log "installing the carried wheels and the package into /tmp/site"
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  $PY -m pip install -q --no-index --no-deps --no-build-isolation --no-cache-dir --target /tmp/site . || exit 1
  export PYTHONPATH=/tmp/site
fi

# The current defaults and the best measured proxy variant (experiments/variants.py's BEST_MEASURED).
VARIANTS=${VARIANTS:-"defaults $($PY -c 'from experiments.variants import BEST_MEASURED; print(BEST_MEASURED)')"}
if [ "${DRY_RUN:-0}" = 1 ]; then
  PAPER=experiments/tiny.py GPU_CONFIG=experiments/tiny.py BUILD=tiny STEPS=2 TRAIN_STEPS=4 SEEDS="0"
  DATA_DIR="$OUT/data" ROWS="$OUT/work/rows" PEER_COMPILE=""  # torch.compile is timed on the device only.
else
  PAPER=experiments/paper.py GPU_CONFIG=experiments/quickstart_gpu.py BUILD=32px STEPS=20 TRAIN_STEPS=5500
  SEEDS="0 1" DATA_DIR=/tmp/data ROWS=/tmp/rows  # Checkpoints stay there; reports and exports come back.
  PEER_COMPILE="--compile"
fi
vidgan() { $PY -m vidgan_jax "$@"; }

# Each stage writes its own file; one that fails is named in the report, the others still run.
stage() {
  local name=$1; shift
  log "stage $name"
  if "$@" > "$OUT/$name.log" 2>&1; then log "stage $name done"; else log "stage $name FAILED (see $name.log)"; fi
}

perf() {
  stage profile $PY -m benchmarks.speed.profile_step --config=$PAPER --out="$OUT/profile" --steps=3
  stage bench vidgan bench --config=$PAPER --steps=$STEPS --json="$OUT/bench.json"
  stage peer $PY -m benchmarks.torch_peer.compare --config=$PAPER --steps=$STEPS $PEER_COMPILE --json="$OUT/peer.json"
  stage input $PY benchmarks/speed/input_speed.py --config=$PAPER --data_dir="$OUT/input_data" --clips=256 --batches=10
  stage loop vidgan train --config=$PAPER --workdir="$OUT/loop_run" --config.input=rendered \
    --config.num_train_steps=$((STEPS * 3)) --config.log_every_steps=$STEPS --config.eval_every_steps=0 \
    --config.sample_every_steps=1000000 --config.checkpoint_every_steps=1000000 --config.input_workers=0
  stage flops $PY benchmarks/device/device_report.py flops --config=$PAPER --json="$OUT/flops.json"
  $PY benchmarks/device/device_report.py perf --out="$OUT"
}

models() {
  stage build vidgan build action_scenes --config=$BUILD --data_dir="$DATA_DIR"
  local hardware
  hardware="$($PY -c 'import jax; print(jax.devices()[0].device_kind)'), shared by $(($(wc -w <<< "$VARIANTS") * $(wc -w <<< "$SEEDS"))) runs"
  # Every run at once on the one device, as the shipped generator's run shared its GPU.
  for variant in $VARIANTS; do
    for seed in $SEEDS; do
      stage "row_${variant}-s$seed" $PY benchmarks/model/results_row.py --config=$GPU_CONFIG --variant="$variant" \
        --seed="$seed" --steps=$TRAIN_STEPS --data_dir="$DATA_DIR" --workdir="$ROWS" \
        --results="$OUT/results_rows.md" --hardware="$hardware" &
    done
  done
  wait
  for run in "$ROWS"/*/; do
    name=$(basename "$run")
    mkdir -p "$OUT/evals/$name"
    cp "$run"/row_eval/report.md "$run"/row_eval/grid.gif "$OUT/evals/$name/" 2>/dev/null
    grep -ah "eval step" "$OUT/row_${name#*-}.log" > "$OUT/evals/$name/curve.log" 2>/dev/null
    stage "export_$name" vidgan export --workdir="$run" --out="$OUT/exports/$name" --hardware="$hardware"
  done
  $PY benchmarks/device/device_report.py models --out="$OUT"
}

case "$JOB" in
  perf) perf ;;
  models) models ;;
  *) echo "unknown job $JOB: use perf or models" >&2; exit 2 ;;
esac
log "report: $OUT/report.md"
