#!/usr/bin/env bash
# Installs what tools/k8s/validate.sh needs: kustomize and kubeconform into .tools/bin (go install, from the
# Go module proxy), and the Kubernetes JSON schemas into .tools/k8s-schemas (from the PyPI package
# kubernetes-validate: kubeconform's default schemas live on a host that is not reachable here).
# Idempotent: a binary of the pinned version and schemas of the pinned package are kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/.tools/bin"
schemas="$root/.tools/k8s-schemas"
# shellcheck source=tools/k8s/versions.sh
source "$root/tools/k8s/versions.sh"
mkdir -p "$bin"

command -v go >/dev/null || { echo "go is required to install kustomize and kubeconform (https://go.dev/dl/)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required to unpack the Kubernetes schemas" >&2; exit 1; }

go_install() { # name module package version
  local name="$1" module="$2" pkg="$3" version="$4"
  # The build info names the module version the binary was built from.
  if [ -x "$bin/$name" ] && go version -m "$bin/$name" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$module[[:space:]]+$version([[:space:]]|$)"; then
    return 0
  fi
  echo "installing $name $version (first run only; about a minute)..."
  GOBIN="$bin" go install -trimpath "$pkg@$version"
  echo "installed $name $version into $bin/$name"
}

go_install kustomize sigs.k8s.io/kustomize/kustomize/v5 sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
go_install kubeconform github.com/yannh/kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

stamp="kubernetes-validate==$KUBERNETES_VALIDATE_VERSION ${KUBERNETES_VERSIONS[*]}"
if [ "$(cat "$schemas/.installed" 2>/dev/null)" = "$stamp" ]; then exit 0; fi

# pip from the system Python, else from the project's venv (tools/python/install.sh makes it).
pip_python=""
for candidate in python3 "$root/.tools/python-venv/bin/python"; do
  if "$candidate" -m pip --version >/dev/null 2>&1; then pip_python="$candidate"; break; fi
done
if [ -z "$pip_python" ]; then
  bash "$root/tools/python/install.sh"
  pip_python="$root/.tools/python-venv/bin/python"
fi

mkdir -p "$root/.tools"
work="$(mktemp -d "$root/.tools/k8s-schemas.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "installing the Kubernetes ${KUBERNETES_VERSIONS[*]} JSON schemas (kubernetes-validate $KUBERNETES_VALIDATE_VERSION, PyPI)..."
"$pip_python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --dest "$work" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
wheel="$(ls "$work"/kubernetes_validate-*.whl)"

# The wheel's schemas name each other by absolute ids under https://kubernetes.io/api/, which kubeconform
# would try to fetch; without the ids, the references resolve to the files beside them.
python3 - "$wheel" "$work/schemas" "${KUBERNETES_VERSIONS[@]}" <<'PY'
import json, os, sys, zipfile

wheel, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
REF = "/api/_definitions.json#"

def rewrite(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        return {k: (v.replace(REF, "_definitions.json#", 1) if k == "$ref" and isinstance(v, str) and v.startswith(REF)
                    else rewrite(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite(v) for v in node]
    return node

with zipfile.ZipFile(wheel) as z:
    for version in versions:
        prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
        names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
        if not names:
            sys.exit(f"kubernetes-validate has no schemas for Kubernetes {version}")
        target = os.path.join(out, f"v{version}-local-strict")
        os.makedirs(target)
        for name in names:
            with open(os.path.join(target, name[len(prefix):]), "w") as f:
                json.dump(rewrite(json.loads(z.read(name))), f, separators=(",", ":"))
        print(f"  Kubernetes {version}: {len(names)} schemas")
PY
echo "$stamp" > "$work/schemas/.installed"
rm -rf "$schemas"
mv "$work/schemas" "$schemas"
echo "installed the schemas into $schemas"
