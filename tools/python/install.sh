#!/usr/bin/env bash
# Creates .tools/python-venv with what the tests' Python scripts import (the Coveo seed's sample client needs
# requests and pandas; the Parquet export test reads files with pyarrow), from PyPI. Idempotent: a venv that already has all of them at these versions is kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.tools/python-venv"
requirements=(requests==2.34.2 pandas==3.1.1 pyarrow==26.0.1)

command -v python3 >/dev/null || { echo "python3 (3.11 or later) is required for the Python client test" >&2; exit 1; }
bash "$root/tools/python/install-schemathesis.sh"

installed() {
  [ -x "$venv/bin/python" ] || return 1
  local frozen
  frozen="$("$venv/bin/python" -m pip freeze 2>/dev/null)" || return 1
  for requirement in "${requirements[@]}"; do grep -qix "$requirement" <<<"$frozen" || return 1; done
}

if installed; then exit 0; fi
rm -rf "$venv"
if ! python3 -m venv "$venv" 2>/dev/null; then
  # Debian ships venv's pip bootstrap separately (python3-venv).
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  else
    echo "python3 -m venv failed: install python3-venv (Debian) to run the Python client test" >&2; exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
echo "installed ${requirements[*]} into $venv"
