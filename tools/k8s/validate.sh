#!/usr/bin/env bash
# Renders the Kubernetes manifests (kustomize build deploy/k8s) and checks every object against the
# Kubernetes JSON schemas of each version in versions.sh, offline, with kubeconform -strict (an unknown or
# misplaced field fails, and so does a kind without a schema). Then checks the shape the platform relies on:
# a Deployment and a Service per process, one ConfigMap, one Secret, one Ingress, no Service exposed
# outside the cluster. Needs tools/k8s/install.sh first (npm test runs it). Usage: validate.sh [dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tools/k8s/versions.sh
source "$root/tools/k8s/versions.sh"
bin="$root/.tools/bin"
schemas="$root/.tools/k8s-schemas"
dir="${1:-$root/deploy/k8s}"

for tool in kustomize kubeconform; do
  [ -x "$bin/$tool" ] || { echo "$bin/$tool is missing: run bash tools/k8s/install.sh" >&2; exit 1; }
done
[ -f "$schemas/.installed" ] || { echo "$schemas is missing: run bash tools/k8s/install.sh" >&2; exit 1; }

# kubeconform reads only files named *.yaml, *.yml or *.json.
rendered="$(mktemp --suffix=.yaml)"
trap 'rm -f "$rendered"' EXIT
"$bin/kustomize" build "$dir" > "$rendered"

# "Kind name" of each object: kustomize writes top-level keys unindented and metadata.name two spaces in.
objects="$(awk '/^---$/ { if (kind) print kind, name; kind = name = "" }
  /^kind: / { kind = $2 } /^  name: / && !name { name = $2 } END { if (kind) print kind, name }' "$rendered")"
total="$(grep -c . <<<"$objects" || true)"

for version in "${KUBERNETES_VERSIONS[@]}"; do
  echo "Kubernetes $version:"
  summary="$("$bin/kubeconform" -strict -summary -kubernetes-version "$version" \
    -schema-location "$schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    "$rendered")" || { echo "$summary" >&2; exit 1; }
  echo "$summary"
  # Every object checked, none skipped (an empty or unread file would also "pass").
  grep -q "Valid: $total, Invalid: 0, Errors: 0, Skipped: 0" <<<"$summary" ||
    { echo "kubeconform did not check all $total objects" >&2; exit 1; }
done

problems=()
expect() { # count what pattern (matched against the "kind name" lines)
  local found; found="$(grep -cxE "$3" <<<"$objects" || true)"
  [ "$found" = "$1" ] || problems+=("expected $1 $2, found $found")
}
for name in gateway ingestion aggregation export-job notification; do
  expect 1 "Deployment $name" "Deployment $name"
  expect 1 "Service $name" "Service $name"
done
expect 5 Deployments 'Deployment .*'
expect 5 Services 'Service .*'
expect 1 ConfigMap 'ConfigMap .*'
expect 1 Secret 'Secret .*'
expect 1 Ingress 'Ingress .*'
# Only the Ingress leads in: every Service stays inside the cluster.
[ "$(grep -cxE '  type: (NodePort|LoadBalancer|ExternalName)' "$rendered" || true)" = 0 ] ||
  problems+=("a Service is exposed outside the cluster")
if [ "${#problems[@]}" -gt 0 ]; then
  printf 'deploy/k8s: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "deploy/k8s: a Deployment and a ClusterIP Service per process, one ConfigMap, one Secret, one Ingress"
