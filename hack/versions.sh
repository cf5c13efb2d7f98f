# Versions of the binaries built by hack/build-binaries.sh; read by the Makefile, the
# build script and the Python control-plane harness (plain KEY=VALUE lines only).
K8S_VERSION=1.33.13
ETCD_VERSION=3.5.17
KWOK_VERSION=0.7.0
PD_VERSION=8.5.1
# Prometheus and promtool from Debian's `prometheus` package (the e2e monitoring test and
# `promtool check rules`); the upstream version the package must carry.
PROMETHEUS_VERSION=2.42.0
PD_COMMIT=5036cc277fc8c0e7fa1219265ae407de80b950b7
# sha256 of ../shared/third_party/pd/pd-v$PD_VERSION.tar.gz (PD source snapshot, see its README)
PD_SNAPSHOT_SHA256=8d470edfd33cfa9b7375faefeb54712204a9e0522a58a4d56522f355ee29b136
# tidb-operator v2, built only for `make bench COMPARE=v2` (hack/build-binaries.sh
# tidb-operator-v2) from the source snapshot in ../shared/third_party/tidb-operator/
TIDB_OPERATOR_V2_VERSION=2.2.0-alpha.6
TIDB_OPERATOR_V2_SNAPSHOT_SHA256=bf6aa151cc314f12e70d91cb530651b2d873d044888d783db00dd26d422a2f5c
