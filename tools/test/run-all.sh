#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, then lint, typecheck, the compose file check, and
# every jest test (unit, integration against real servers, end-to-end against real processes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

step "install"
[ -d node_modules/.bin ] || npm install --no-audit --no-fund
bash tools/servers/install.sh
bash tools/python/install.sh
bash tools/browser/install.sh
bash tools/k8s/install.sh
if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  else
    echo "docker-compose is required to check docker-compose.yml (Debian package docker-compose)" >&2; exit 1
  fi
fi

step "contracts (buf lint + ts-proto generation)"
node tools/codegen/generate-contracts.mjs

step "lint and typecheck"
npx nx run-many -t lint typecheck --parallel=2 --outputStyle=static

step "docker-compose.yml"
docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"

step "kubernetes manifests (kustomize + kubeconform)"
bash tools/k8s/validate.sh

step "console build (apps/console/dist, served at /console)"
npm run --silent build:console

step "jest: unit, integration, end-to-end"
npx jest --ci "$@"

step "done"
