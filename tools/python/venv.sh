#!/usr/bin/env bash
# Usage: bash tools/python/venv.sh <venv dir> <purpose> <requirement>...
# Creates the venv with the pinned requirements from PyPI. Idempotent: a venv that already has every one of them
# at these versions is kept; otherwise it is made anew.
set -euo pipefail
venv="$1" purpose="$2"
shift 2
requirements=("$@")

command -v python3 >/dev/null || { echo "python3 (3.11 or later) is required for $purpose" >&2; exit 1; }

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
    echo "python3 -m venv failed: install python3-venv (Debian) for $purpose" >&2; exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
echo "installed ${requirements[*]} into $venv"
