# Every target installs what it needs and skips what is already there.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CACHE ?= $(HOME)/.cache/tikv-operator

.PHONY: install binaries monitoring-tools image test unit lint crds dashboards docs \
	monitoring-preview dev dev-real-pd bench bench-runtime bench-fleet tidb-operator-v2 \
	cluster-up cluster-down clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,monitoring]'
	@touch $@

# Kubernetes control plane, etcd and kwok built from the Go module proxy, pd-server from
# the checksum-verified source snapshot in ../shared/third_party/pd (its dependencies from
# the proxy), the TiKV store stub from hack/storestub, and prometheus/promtool unpacked
# from Debian's package; cached under $(CACHE)/bin/<component>-<version>/ (the stub under
# storestub-<hash of its sources>/). A cold build takes a long time on 2 cores.
binaries:
	TIKV_OPERATOR_CACHE=$(CACHE) bash hack/build-binaries.sh

# Only prometheus and promtool (apt-get download + dpkg -x: no root, nothing installed).
monitoring-tools:
	TIKV_OPERATOR_CACHE=$(CACHE) bash hack/build-binaries.sh prometheus

# The operator's OCI image, without a container engine (hack/image): a Debian bookworm base
# with python3 from mmdebstrap (installed with apt-get when missing; the base is cached
# under $(CACHE)/image/), the package and its dependencies at the virtualenv's versions;
# written to build/image/oci/ (an OCI image layout) and build/image/tikv-operator-<version>.oci.tar
# (the same as an oci-archive, for skopeo or podman load).
image: install
	TIKV_OPERATOR_CACHE=$(CACHE) $(PY) -m hack.image --output build/image

# The whole suite: unit, integration (real control plane, real pd-server) and end-to-end.
test: install binaries
	$(PY) -m pytest -q -ra

unit: install
	$(PY) -m pytest -q tests/unit

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

crds: install
	$(VENV)/bin/tikv-operator crds --output-dir manifests/crd

# Grafana dashboards and Prometheus rules under manifests/monitoring/, built in code
# (hack/monitoring); a unit test fails when the committed files differ.
dashboards: install
	$(PY) -m hack.monitoring

# docs/api.md from the API models, and the task lists in docs/architecture.md from the
# controllers (hack/docs); a unit test fails when the committed files differ.
docs: install
	$(PY) -m hack.docs

# docs/monitoring-preview.png: the e2e monitoring scenario against a real Prometheus,
# rendering the key panels from Prometheus's answers.
monitoring-preview: install binaries
	TIKV_OPERATOR_PREVIEW=$(CURDIR)/docs/monitoring-preview.png \
		$(PY) -m pytest -q tests/e2e/test_monitoring.py

# The operator's main job on an embedded local control plane. ARGS passes flags, e.g.
# make dev ARGS=--real-pd: PD members are real pd-server processes (hack/procnode).
dev: install binaries
	$(PY) -m hack.dev $(ARGS)

dev-real-pd: install binaries
	$(PY) -m hack.dev --real-pd $(ARGS)

# The fleet bench (tests/bench/fleet.py): BENCH_CLUSTERS clusters of 3 PD + 3 TiKV on the
# local control plane, PD simulated; time to Ready, API and PD requests, reconciles, CPU,
# memory, /metrics latency, resync after a restart, fleet-wide scale 3 -> 4. Writes
# bench/results/<date>-<N>.json and .png. COMPARE=v2 runs the same fleet through
# tidb-operator v2 first (built once into the cache: tidb-operator-v2 below) and prints both
# with the ratio ours/v2. ARGS passes more flags. Never part of `make test`.
BENCH_CLUSTERS ?= 20
COMPARE ?=
bench: install binaries $(if $(filter v2,$(COMPARE)),tidb-operator-v2)
	BENCH_CLUSTERS=$(BENCH_CLUSTERS) COMPARE=$(COMPARE) $(PY) -m tests.bench.fleet $(ARGS)

# The same bench, by its older name, e.g.
# make bench-fleet BENCH_CLUSTERS=1 ARGS="--tikv 5 --scale-to 5 --steady 120 --store-down".
bench-fleet: bench

# The runtime micro-bench: events/second through informer -> work queue -> reconcile.
bench-runtime: install
	$(PY) -m tests.bench

# tidb-operator v2 from its checksum-verified source snapshot (about 5 min, 3.4 GB peak on
# 2 cores), cached like the other binaries; only `make bench COMPARE=v2` needs it.
tidb-operator-v2:
	TIKV_OPERATOR_CACHE=$(CACHE) bash hack/build-binaries.sh tidb-operator-v2

# Seeded chaos: each seed runs one of five scenarios (TiKV scale/upgrade/scale-in, PD
# scale/upgrade/scale-in, TiKV failover, PD member replacement, cluster deletion) while
# seeded faults hit (operator SIGKILLs, PD errors, a foreign cluster id, API conflicts, cut
# watches, a second operator), each run checked against DESIGN §5 (tests/e2e/test_chaos.py).
# CHAOS_RUNS=N seeds 1..N (default 50); CHAOS_SEEDS=71 (or 3,71) only those, as a failure's
# replay line says; make test runs seeds 5-9, one per scenario.
CHAOS_RUNS ?= 50
CHAOS_SEEDS ?= $(shell seq -s, 1 $(CHAOS_RUNS))
chaos: install binaries
	CHAOS_SEEDS=$(CHAOS_SEEDS) $(PY) -m pytest -q -ra tests/e2e/test_chaos.py

cluster-up: install binaries
	$(PY) -m hack.localcluster up

cluster-down: install
	$(PY) -m hack.localcluster down

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
