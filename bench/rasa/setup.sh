#!/usr/bin/env bash
# Create an isolated Python 3.10 venv with Rasa 3.6.21 for the NLU comparison.
# Outside CI: the install is ~2.7 GB and takes several minutes.
set -euo pipefail
VENV="${RASA_VENV:-/work/rasa-venv}"
PY310="${PY310:-/root/.pyenv/versions/3.10.13/bin/python}"
if [ ! -x "$VENV/bin/rasa" ]; then
    "$PY310" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade "pip<24.1" "setuptools<70" wheel
    "$VENV/bin/pip" install "rasa==3.6.21"
fi
"$VENV/bin/rasa" --version
