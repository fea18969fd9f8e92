#!/usr/bin/env bash
# Builds the local MongoDB-compatible server (FerretDB, SQLite backend) and S3 server (versitygw, POSIX
# backend) into .tools/bin from the Go module proxy. Idempotent: a binary already built is kept.
#
# FerretDB's module zip lacks build/version/version.txt (generated in its repo), which makes a plain
# `go install` build panic at start; so each tool is built from a small vendored module with that file written.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/.tools/bin"
work="$root/.tools/build"
mkdir -p "$bin" "$work"

command -v go >/dev/null || { echo "go is required to build the local servers (https://go.dev/dl/)" >&2; exit 1; }

# Prints elapsed time every 15 s while a build runs (killed when it ends).
progress() {
  local start=$SECONDS
  while sleep 15; do echo "  ... still building ($((SECONDS - start)) s)"; done
}

build() { # name module package versions...
  local name="$1" module="$2" pkg="$3"; shift 3
  if [ -x "$bin/$name" ]; then return 0; fi
  local version dir
  for version in "$@"; do
    dir="$work/$name-$version"
    rm -rf "$dir"; mkdir -p "$dir"
    printf 'module local/%s-build\n\ngo 1.22\n\nrequire %s %s\n' "$name" "$module" "$version" > "$dir/go.mod"
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" > "$dir/tools.go"
    echo "building $name $version (first run only; a few minutes)..."
    progress & local ticker=$!
    if (cd "$dir" && go mod tidy && go mod vendor) >"$dir/build.log" 2>&1; then
      if [ "$name" = ferretdb ]; then
        chmod -R u+w "$dir/vendor"
        echo "$version" > "$dir/vendor/$module/build/version/version.txt"
      fi
      if (cd "$dir" && go build -mod=vendor -trimpath -o "$bin/$name" "$pkg") >>"$dir/build.log" 2>&1; then
        kill "$ticker" 2>/dev/null || true
        echo "built $name $version into $bin/$name"
        rm -rf "$dir/vendor"
        return 0
      fi
    fi
    kill "$ticker" 2>/dev/null || true
    echo "could not build $name $version (log: $dir/build.log); trying the next candidate" >&2
  done
  echo "failed to build $name" >&2
  return 1
}

# v1.24.1 is the target; the module proxy here has served only v1.24.0, so the nearest release follows.
build ferretdb github.com/FerretDB/FerretDB github.com/FerretDB/FerretDB/cmd/ferretdb v1.24.1 v1.24.0 v1.23.1
build versitygw github.com/versity/versitygw github.com/versity/versitygw/cmd/versitygw v1.8.0
