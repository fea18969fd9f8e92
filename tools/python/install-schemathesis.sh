#!/usr/bin/env bash
# Creates .tools/schemathesis-venv with schemathesis from PyPI, for the API fuzzing test (st run against the
# gateway's /openapi.json). A venv of its own: its dependencies stay apart from the tests' Python scripts'.
# Idempotent: a venv that already has this version is kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.tools/schemathesis-venv"
requirement=schemathesis==4.32.5

command -v python3 >/dev/null || { echo "python3 (3.11 or later) is required for the API fuzzing test" >&2; exit 1; }

installed() {
  [ -x "$venv/bin/st" ] || return 1
  "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qix "$requirement"
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
    echo "python3 -m venv failed: install python3-venv (Debian) to run the API fuzzing test" >&2; exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$requirement"
echo "installed $requirement into $venv"
