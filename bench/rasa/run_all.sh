#!/usr/bin/env bash
# Install Rasa (if needed) and run DIET on both evaldata sets; results land in bench/results/.
# Usage: bash bench/rasa/run_all.sh [EVALDATA_DIR]   (default: ../shared/evaldata next to the repo)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
EVAL="$(cd "${1:-$REPO/../shared/evaldata}" && pwd)"
VENV="${RASA_VENV:-/work/rasa-venv}"
RASA_VENV="$VENV" bash "$HERE/setup.sh"
cd "$(mktemp -d)"  # Rasa writes a .rasa/ cache into the cwd: keep it out of the repo
export OMP_NUM_THREADS=2 TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
for ds in clinc150_ru_mt hwu64_ru_mt; do
    "$VENV/bin/python" "$HERE/run_rasa.py" --train "$EVAL/$ds/train.tsv" --test "$EVAL/$ds/test.tsv" \
        --out "$REPO/bench/results/rasa_$ds.json"
done
