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
if [ -n "$extras" ]; then
    # Browser tests drive Debian's chromium through Playwright (no browser download).
    if ! command -v chromium >/dev/null 2>&1; then
        if [ "$(id -u)" = "0" ]; then
            apt-get update -qq && apt-get install -y -qq chromium poppler-utils >/dev/null
        else
            sudo apt-get update -qq && sudo apt-get install -y -qq chromium poppler-utils >/dev/null
        fi
    fi
    # pycanon (independent k-anonymity checker used by the tests) pins exact versions of numpy,
    # pandas and scipy in every release; installed without them so that the tests run on the
    # same libraries as production. Its other requirements are installed explicitly.
    .venv/bin/python -m pip install --quiet beartype docutils pyreadstat reportlab tabulate typer
    .venv/bin/python -m pip install --quiet --no-deps "pycanon>=1.3"
fi
echo "Installation terminée dans $(pwd)/.venv"
