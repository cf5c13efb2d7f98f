#!/usr/bin/env bash
# Builds pd-server from a PD source tree (a checkout or `git archive` of tikv/pd at
# $PD_COMMIT from hack/versions.sh): build-from-source.sh SRC_DIR OUT.
#
# Why not a wrapper module like hack/etcdbin: PD's v8.x tags are not Go module versions and
# the module proxy reachable here answers 403 for every pseudo-version of the v8.5.x release
# commits, so the main module has to be the PD tree itself. Its dependencies still come from
# the module proxy, pinned by PD's own go.sum.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/versions.sh
source "$here/../versions.sh"
src=$(cd "$1" && pwd)
out=$2

if [[ $(head -1 "$src/go.mod") != "module github.com/tikv/pd" ]]; then
  echo "$src is not a tikv/pd source tree" >&2
  exit 1
fi

export CGO_ENABLED=0 GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}
p=github.com/tikv/pd/pkg/versioninfo
mkdir -p "$(dirname "$out")"
(cd "$src" && go build -trimpath -tags without_dashboard \
  -ldflags "-s -w -X $p.PDReleaseVersion=v$PD_VERSION -X $p.PDGitHash=$PD_COMMIT -X $p.PDEdition=Community" \
  -o "$out.tmp" ./cmd/pd-server)
mv "$out.tmp" "$out"
