#!/usr/bin/env bash
# The tests' Python venvs, from PyPI (each kept when it already has its pinned versions):
# - .tools/python-venv: what the tests' Python scripts import (the Coveo seed's sample client needs requests and
#   pandas; the Parquet export test reads files with pyarrow);
# - .tools/schemathesis-venv: schemathesis, for the API fuzzing test (a venv of its own, so its dependencies
#   stay apart from the scripts').
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$root/tools/python/venv.sh" "$root/.tools/python-venv" "the Python client tests" \
  requests==2.34.2 pandas==3.1.1 pyarrow==26.0.1
bash "$root/tools/python/venv.sh" "$root/.tools/schemathesis-venv" "the API fuzzing test" schemathesis==4.32.5
