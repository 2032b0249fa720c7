#!/usr/bin/env bash
# The two commands of the README, on a machine with nothing but Python 3.11 and pip:
#   ./run.sh figures [snakemake options]   regenerate every figure and verify every claim
#   ./run.sh test    [pytest options]      run the tests
# Either one first makes the environment when it is missing: a virtual environment in .venv with
# the exact pins of pyproject.toml (`pip install -e ".[test]"`: the core, the `pipeline` extra
# that the workflow needs and the test tools). It is remade when pyproject.toml
# is newer than the last install. Python: $PYTHON, else python3.11, else python3 if it is 3.11.
set -euo pipefail
cd "$(dirname "$0")"

usage() { echo "usage: ./run.sh figures|test [options passed to snakemake|pytest]" >&2; exit 2; }
[ $# -ge 1 ] || usage
what=$1; shift
case "$what" in figures | test) ;; *) usage ;; esac

pick_python() {
    for py in "${PYTHON:-}" python3.11 python3; do
        [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 || continue
        if "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then echo "$py"; return; fi
    done
    echo "run.sh: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 1
}

stamp=.venv/.deeprates-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    py=$(pick_python)
    echo "run.sh: making the environment in .venv ($($py --version), exact pins from pyproject.toml)"
    "$py" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test]"
    touch "$stamp"
fi

case "$what" in
    figures) exec .venv/bin/snakemake --cores all "$@" ;;
    test) exec .venv/bin/python -m pytest "$@" ;;
    *) usage ;;
esac
