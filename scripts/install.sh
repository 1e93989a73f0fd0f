#!/usr/bin/env bash
# Installe l'espace de travail dans .venv.
#   bash scripts/install.sh          : l'application
#   bash scripts/install.sh --test   : l'application et tout ce qu'il faut pour les tests
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
if [ "${1:-}" = "--test" ]; then
    extras="[test]"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
echo "Installation terminée dans $(pwd)/.venv"
