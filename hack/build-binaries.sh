#!/usr/bin/env bash
# Builds the control-plane binaries the tests and `make dev` run (kube-apiserver,
# kube-controller-manager, kube-scheduler, etcd, kwok, pd-server) from the Go module
# proxy and caches them under $TIKV_OPERATOR_CACHE/bin/<component>-<version>/.
# A binary that is already there is skipped; each one is built to a temporary name and
# moved into place, so an interrupted build never leaves a half-written binary behind.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/versions.sh
source "$here/versions.sh"
CACHE=${TIKV_OPERATOR_CACHE:-$HOME/.cache/tikv-operator}
K8S_BIN=$CACHE/bin/kubernetes-v$K8S_VERSION
ETCD_BIN=$CACHE/bin/etcd-v$ETCD_VERSION
KWOK_BIN=$CACHE/bin/kwok-v$KWOK_VERSION
PD_BIN=$CACHE/bin/pd-v$PD_VERSION

export CGO_ENABLED=0
# The checksum database is not reachable from every build machine; the committed
# go.sum files pin every module hash instead.
export GOSUMDB=off GOFLAGS=-mod=mod
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { printf '[binaries] %s\n' "$*" >&2; }

# build MODDIR OUT PACKAGE LDFLAGS [TAGS]: go build PACKAGE inside wrapper module MODDIR.
build() {
  local moddir=$1 out=$2 pkg=$3 ldflags=$4 tags=${5:-}
  if [[ -x $out ]]; then log "have $out"; return; fi
  mkdir -p "$(dirname "$out")"
  log "building $out"
  local start=$SECONDS
  (cd "$moddir" && go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  log "built $out in $((SECONDS - start))s"
}

k8s_ldflags() {
  local v=$K8S_VERSION minor
  minor=$(echo "$v" | cut -d. -f2)
  local pkgs=(k8s.io/component-base/version k8s.io/client-go/pkg/version)
  local flags="-s -w"
  for p in "${pkgs[@]}"; do
    flags+=" -X $p.gitVersion=v$v -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    flags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

build_kubernetes() {
  local flags
  flags=$(k8s_ldflags)
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    build "$here/k8sbin" "$K8S_BIN/$cmd" "k8s.io/kubernetes/cmd/$cmd" "$flags"
  done
}

build_etcd() {
  build "$here/etcdbin" "$ETCD_BIN/etcd" . \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION"
}

build_kwok() {
  build "$here/kwokbin" "$KWOK_BIN/kwok" sigs.k8s.io/kwok/cmd/kwok \
    "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION"
}

# github.com/tikv/pd is not served by the Go module proxy reachable here (every version of
# it answers 403: PD's v8.x tags are not module versions and its pseudo-versions are
# refused too), so pd-server cannot be built through the registries. It is not part of the
# default targets; the PD contract tests use a pd-server binary only where one is present.
build_pd() {
  if [[ -x $PD_BIN/pd-server ]]; then log "have $PD_BIN/pd-server"; return; fi
  log "pd-server cannot be built from the Go module proxy (github.com/tikv/pd answers 403);"
  log "put a pd-server v$PD_VERSION binary at $PD_BIN/pd-server to run the real-PD contract tests"
  return 1
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(etcd kwok kubernetes)
for t in "${targets[@]}"; do
  "build_$t"
done
