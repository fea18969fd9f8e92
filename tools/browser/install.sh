#!/usr/bin/env bash
# Installs the browser the web console's end-to-end test drives: Debian's Chromium at /usr/bin/chromium
# (playwright-core downloads no browser of its own). Idempotent: an installed Chromium is kept.
set -euo pipefail
chromium=/usr/bin/chromium

if [ -x "$chromium" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium (for the console's browser test)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium" ] || { echo "apt-get installed chromium, but $chromium is missing" >&2; exit 1; }
  echo "installed $("$chromium" --version 2>/dev/null || echo chromium)"
else
  echo "$chromium is missing: install Debian's chromium package (as root: apt-get install -y chromium) to run the console's browser test" >&2
  exit 1
fi
