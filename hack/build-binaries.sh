#!/usr/bin/env bash
# Builds the control-plane binaries the tests and `make dev` run (kube-apiserver,
# kube-controller-manager, kube-scheduler, etcd, kwok from the Go module proxy; pd-server
# from PD's source snapshot, see build_pd; prometheus and promtool unpacked from Debian's
# package, see build_prometheus) and caches them under
# $TIKV_OPERATOR_CACHE/bin/<component>-<version>/; storestub, the Go stand-in for
# tikv-server in hack/storestub/, see build_storestub. Targets: etcd kwok kubernetes pd
# storestub prometheus (all by default), and tidb-operator-v2 (only when named: `make bench
# COMPARE=v2` runs it beside ours, see build_tidb_operator_v2).
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
PROMETHEUS_BIN=$CACHE/bin/prometheus-v$PROMETHEUS_VERSION
TIDB_OPERATOR_V2_BIN=$CACHE/bin/tidb-operator-v$TIDB_OPERATOR_V2_VERSION

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

# github.com/tikv/pd is not served by the Go module proxy (every version answers 403), so
# pd-server is built from the source snapshot in ../shared/third_party/pd/ (next to the
# project checkout, or next to a parent folder; PD_SNAPSHOT_DIR overrides). The tarball is used by path: its sha256 is
# checked against the one pinned in versions.sh and it is unpacked under $CACHE/src/, never
# into the project. Its module dependencies come from the module proxy.
# snapshot_dir: PD_SNAPSHOT_DIR, else shared/third_party/pd beside the checkout or beside
# one of its parent folders (a CI clone may sit one level deeper than the working copy).
snapshot_dir() {
  local name=$1 dir
  dir=$(cd "$here/.." && pwd)
  while [[ $dir != / ]]; do
    dir=$(dirname "$dir")
    if [[ -d $dir/shared/third_party/$name ]]; then echo "$dir/shared/third_party/$name"; return; fi
  done
  echo "$(cd "$here/.." && pwd)/../shared/third_party/$name"
}
PD_SNAPSHOT_DIR=${PD_SNAPSHOT_DIR:-$(snapshot_dir pd)}
PD_SRC=$CACHE/src/pd-v$PD_VERSION

# unpack_snapshot TARBALL SHA256 NAME HINT: verify a source snapshot (its top folder NAME)
# and unpack it into $CACHE/src/NAME, once per checksum; HINT says how to point at it.
unpack_snapshot() {
  local tarball=$1 want=$2 name=$3 hint=$4 src=$CACHE/src/$3
  if [[ ! -f $tarball ]]; then
    log "no source snapshot at $tarball ($hint)"
    return 1
  fi
  local sum
  sum=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [[ $sum != "$want" ]]; then
    log "checksum mismatch for $tarball: got $sum, want $want (hack/versions.sh)"
    return 1
  fi
  if [[ -f $src/.snapshot-sha256 && $(cat "$src/.snapshot-sha256") == "$sum" ]]; then return; fi
  log "unpacking $tarball into $src"
  mkdir -p "$CACHE/src"
  local tmp
  tmp=$(mktemp -d "$CACHE/src/.$name-unpack.XXXXXX")
  tar -xzf "$tarball" -C "$tmp"
  echo "$sum" >"$tmp/$name/.snapshot-sha256"
  rm -rf "$src"
  mv "$tmp/$name" "$src"
  rmdir "$tmp"
}

# PD's own Makefile sets these; without them /status and /members report no version.
pd_ldflags() {
  local p=github.com/tikv/pd/pkg/versioninfo
  local flags="-s -w"
  flags+=" -X '$p.PDReleaseVersion=v$PD_VERSION'"
  flags+=" -X '$p.PDBuildTS=$(date -u '+%Y-%m-%d %I:%M:%S')'"
  flags+=" -X '$p.PDGitHash=$PD_COMMIT'"
  flags+=" -X '$p.PDGitBranch=heads/refs/tags/v$PD_VERSION'"
  flags+=" -X '$p.PDEdition=Community'"
  echo "$flags"
}

build_pd() {
  if [[ -x $PD_BIN/pd-server ]]; then log "have $PD_BIN/pd-server"; return; fi
  unpack_snapshot "$PD_SNAPSHOT_DIR/pd-v$PD_VERSION.tar.gz" "$PD_SNAPSHOT_SHA256" \
    "pd-v$PD_VERSION" "set PD_SNAPSHOT_DIR to the folder that holds it"
  # without_dashboard: the dashboard's UI assets are not obtainable here.
  build "$PD_SRC" "$PD_BIN/pd-server" ./cmd/pd-server "$(pd_ldflags)" without_dashboard
}

# storestub_key: a hash of hack/storestub's sources and go.sum, so an edited stub is built
# again into a new folder and an unchanged one is reused.
storestub_key() {
  (cd "$here/storestub" && LC_ALL=C; cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)
}

build_storestub() {
  local key
  key=$(storestub_key)
  build "$here/storestub" "$CACHE/bin/storestub-$key/storestub" . "-s -w -X main.gitHash=$key"
}

# Prometheus is not built: Debian's `prometheus` package is downloaded (`apt-get download`,
# no root needed, nothing installed on the system) and its two binaries unpacked with
# `dpkg -x`. The package must carry PROMETHEUS_VERSION upstream (Debian's own suffix, such
# as +ds-5+deb12u1, may move with security updates). Without package lists apt knows no
# candidate; as root the lists are refreshed once (apt-get update), otherwise the error
# says to.
build_prometheus() {
  if [[ -x $PROMETHEUS_BIN/prometheus && -x $PROMETHEUS_BIN/promtool ]]; then
    log "have $PROMETHEUS_BIN/prometheus"; return
  fi
  local candidate
  candidate=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [[ -z $candidate || $candidate == "(none)" ]] && [[ $(id -u) == 0 ]]; then
    log "no apt candidate for prometheus; refreshing the package lists"
    apt-get update -qq
    candidate=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ {print $2}')
  fi
  if [[ -z $candidate || $candidate == "(none)" ]]; then
    log "apt knows no prometheus package: run 'apt-get update' (as root) and try again"
    return 1
  fi
  if [[ ${candidate%%+*} != "$PROMETHEUS_VERSION" ]]; then
    log "Debian's prometheus is $candidate, not $PROMETHEUS_VERSION (hack/versions.sh)"
    return 1
  fi
  local tmp
  mkdir -p "$CACHE/bin"
  tmp=$(mktemp -d "$CACHE/bin/.prometheus.XXXXXX")
  log "downloading Debian's prometheus $candidate"
  (cd "$tmp" && apt-get download -q "prometheus=$candidate" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  local debs=("$tmp"/prometheus_*.deb)
  if [[ ! -f ${debs[0]} ]]; then
    log "apt-get download prometheus=$candidate fetched nothing"
    rm -rf "$tmp"; return 1
  fi
  dpkg -x "${debs[0]}" "$tmp/root"
  mkdir -p "$tmp/bin"
  mv "$tmp/root/usr/bin/prometheus" "$tmp/root/usr/bin/promtool" "$tmp/bin/"
  "$tmp/bin/promtool" --version >&2
  rm -rf "$PROMETHEUS_BIN"
  mv "$tmp/bin" "$PROMETHEUS_BIN"
  rm -rf "$tmp"
  log "unpacked $PROMETHEUS_BIN/{prometheus,promtool}"
}

# tidb-operator v2 is the benchmark anchor of `make bench COMPARE=v2`. Like PD, its module
# is not served by the proxy (403), so it is built from the checksum-verified source
# snapshot in ../shared/third_party/tidb-operator/ (TIDB_OPERATOR_SNAPSHOT_DIR overrides),
# unpacked under $CACHE/src/ and used by path; its dependencies come from the proxy.
# About 5 minutes and 3.4 GB of memory on 2 cores, hence never part of the default targets.
build_tidb_operator_v2() {
  local out=$TIDB_OPERATOR_V2_BIN/tidb-operator
  if [[ -x $out ]]; then log "have $out"; return; fi
  local dir=${TIDB_OPERATOR_SNAPSHOT_DIR:-$(snapshot_dir tidb-operator)}
  local name=tidb-operator-v$TIDB_OPERATOR_V2_VERSION
  unpack_snapshot "$dir/$name.tar.gz" "$TIDB_OPERATOR_V2_SNAPSHOT_SHA256" "$name" \
    "set TIDB_OPERATOR_SNAPSHOT_DIR to the folder that holds it"
  local src=$CACHE/src/$name
  build "$src" "$out" ./cmd/tidb-operator "-s -w"
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(etcd kwok kubernetes pd storestub prometheus)
for t in "${targets[@]}"; do
  "build_${t//-/_}"
done
