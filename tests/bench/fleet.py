"""Fleet bench: one operator, N clusters, and what it costs to run them.

    make bench                       # 20 clusters (BENCH_CLUSTERS=100 for the full run)
    make bench COMPARE=v2            # the same fleet through tidb-operator v2, then ours
    python -m tests.bench.fleet [--clusters 20] [--pd 3] [--tikv 3] [--steady 60]
                                [--compare v2] [--store-down] [--out PATH]

On a fresh local control plane (`hack.localcluster`: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, kwok, the volume provisioner) it starts the PD
simulator and the operator as a process (cluster-wide, leader election off as in the e2e
harness unless `--leader-elect`), creates N clusters of `--pd` PD + `--tikv` TiKV in N
namespaces (`fleet-000`, ...) and goes through these phases, with a progress bar:

1. **converge**: time from apply to each cluster's Ready (first, median, last, whole
   fleet). Ours: the Cluster's `Ready`; `--ready-by groups` (and every `--compare` run):
   both groups `Ready` with every replica ready, which both operators report.
2. **steady**: after `--settle` seconds (20, or a PD poll interval + 10), a `--steady`
   window in which the bench is silent towards the API server: the operator's API
   requests by method and code (`rest_client_requests_total`; the API server's own count
   on the operator's kinds, `apiserver_request_total`), PD requests per cluster per minute
   as the simulator counted them (and, for ours, as the operator did), reconciles and
   p50/p99 reconcile time per controller (`controller_runtime_reconcile_*`, Prometheus'
   histogram_quantile over bucket deltas), CPU; and how long `/metrics` takes to answer.
3. **restart**: the operator is stopped (SIGTERM) and started again with everything
   converged; resync is the time from its start until every object has been reconciled
   once (`controller_runtime_reconcile_total` >= objects) with the work queues empty
   (`workqueue_depth`), with the API requests it made meanwhile.
4. **scale**: every TiKVGroup 3 -> 4 (`--scale-to`), one merge patch each; the time until
   each group reports `Ready` with every replica ready, per cluster and fleet-wide.

Operator CPU seconds and peak RSS come from /proc. Throughout, a timeline (every
`--timeline-every` seconds: the operator's API reads and writes, PD requests, Ready
clusters) feeds the PNG chart (`tests.bench.chart`) written beside the JSON
(`bench/results/<date>-<N>.json`, `--out`). Every process the bench starts is stopped by
PID on exit, Ctrl-C and errors alike.

`--compare v2` runs the same fleet (same N, same simulator settings) through tidb-operator
v2 (`tests.bench.subjects`, built by `hack/build-binaries.sh tidb-operator-v2`) and then
through ours, each on a fresh control plane, ours with `--pd-poll-interval=30s` (v2 polls
PD every 30 s, hard-coded), and prints every figure of both with the ratio ours/v2
(`tests.bench.compare`). What v2 cannot do in this scenario (its Cluster's `Available`
needs a TiDBGroup) is left out: both are judged by their groups.

PD simulator: ONE process serves every cluster (`tests.bench.pdfleet`): one `hack.pdsim`
PD per cluster, each on its own loopback port and following its own namespace (ours' Pods,
or v2's: `hack.pdsim.v2`), sharing an event loop. One process per cluster would cost
~50 MB and a Python interpreter each (5 GB at 100 clusters on a 2-core machine, competing
with the operator for CPU), and PD's URL must differ per cluster anyway since each
operator is pointed at each cluster's PD by URL. The shared host also counts the PD
requests it answers (`GET /sim/requests`), the figure both operators are compared on.
`--sim per-cluster` runs the stock `python -m hack.pdsim --follow-namespace` once per
cluster instead (ours only; no PD count from the simulator then).

With `--store-down` (ours), after the steady window one store of the first cluster stops
heartbeating in the simulator and the bench times its TiKV object saying Down.

The bench depends only on the operators' command lines, CRDs, metric names and the
simulator's HTTP API, so the same bench measures the operator before and after a refactor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from hack.dev import Process, wait_http_ok
from hack.localcluster import REPO, ControlPlaneError, LocalCluster, free_port
from tests.bench import (
    chart,
    compare,
    figures,
    promtext,
    provenance,
    report,
    summary,
    targets,
    timeline,
)
from tests.bench.figures import Sample, rnd
from tests.bench.procfs import cpu_seconds, memory_mb
from tests.bench.subjects import TIDB_OPERATOR_V2, TIKV_OPERATOR, Launch, Subject, v2_binary

CRD_DIR = REPO / "manifests" / "crd"
OPERATOR_METRICS = (
    "rest_client_requests_total",
    "tikv_operator_pd_requests_total",
    "controller_runtime_reconcile_total",
    "controller_runtime_reconcile_errors_total",
    "controller_runtime_reconcile_time_seconds",
    "workqueue_adds_total",
    "workqueue_retries_total",
    "workqueue_depth",
    "rest_client_request_duration_seconds",
    "tikv_operator_pd_request_duration_seconds",
)
APISERVER_METRICS = ("apiserver_request_total", "apiserver_request_duration_seconds")
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


class BenchError(RuntimeError):
    """The bench could not set up or measure what it was asked to."""


# ---- small helpers ----------------------------------------------------------------------


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


class Progress:
    """One status line, redrawn in place on a terminal and printed every 10 s otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0
        self.shown = False

    def show(self, text: str) -> None:
        if self.tty:
            print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)
            self.shown = True
        elif time.monotonic() - self.last_print >= 10.0:
            log(text)
            self.last_print = time.monotonic()

    def done(self) -> None:
        if self.shown:
            print(file=sys.stderr, flush=True)
            self.shown = False


def bar(done: int, total: int, width: int = 30) -> str:
    filled = int(width * done / total) if total else width
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total}"


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c.get("type", ""): c for c in (obj.get("status") or {}).get("conditions") or ()}


def is_true(obj: dict[str, Any], type_: str) -> bool:
    return conditions(obj).get(type_, {}).get("status") == "True"


def group_ready(obj: dict[str, Any], replicas: int | None = None) -> bool:
    """A group that says Ready with every replica it was asked for ready (`replicas`: at
    least that many asked for, so a group not yet seeing a scale patch is not Ready)."""
    status = obj.get("status") or {}
    want = int((obj.get("spec") or {}).get("replicas", 0))
    ready = int(status.get("readyReplicas") or 0)
    if replicas is not None and want < replicas:
        return False
    # A status written before the latest spec change says nothing about it.
    seen = status.get("observedGeneration")
    if seen is not None and int(seen) < int(obj["metadata"].get("generation", 0)):
        return False
    return is_true(obj, "Ready") and ready == want


def sum_of(snapshot: promtext.Snapshot, name: str, **match: str) -> float:
    return sum(snapshot.select(name, **match).values())


# ---- the fleet --------------------------------------------------------------------------


@dataclass
class Member:
    """One cluster of the fleet and the times it reached its milestones (monotonic)."""

    namespace: str
    cluster: str
    applied_at: float = 0.0
    cluster_ready_at: float | None = None
    groups_ready_at: float | None = None
    scale_at: float = 0.0
    scaled_at: float | None = None
    pd_url: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.cluster}"


@dataclass
class Bench:
    args: argparse.Namespace
    subject: Subject
    workdir: Path
    cluster: LocalCluster | None = None
    members: list[Member] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    operator: Process | None = None
    sim_processes: list[Process] = field(default_factory=list)
    metrics_url: str = ""
    api: httpx.Client | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    operator_argv: list[str] = field(default_factory=list)
    origin: float = 0.0
    """When the fleet was applied: time 0 of the timeline."""
    points: list[timeline.Point] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    last_point: float = 0.0
    peak_rss_mb: float = 0.0
    cpu_before_restart: float = 0.0

    # ---- start-up ----

    def start(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        pods = self.args.clusters * (self.args.pd + max(self.args.tikv, self.args.scale_to))
        nodes = self.args.nodes or max(6, -(-pods // 80))
        self.cluster = LocalCluster(workdir=self.workdir / "cluster", nodes=nodes)
        started = time.monotonic()
        log(f"[{self.subject.name}] starting the local control plane ({nodes} kwok nodes)")
        self.cluster.start()
        self.api = self.cluster.api()
        log(f"control plane up in {time.monotonic() - started:.1f}s")
        if not self.subject.installs_crds:
            self._install_crds()
        self.members = [
            Member(f"fleet-{i:03d}", self.subject.cluster) for i in range(self.args.clusters)
        ]
        for m in self.members:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": m.namespace}}
            self._post("/api/v1/namespaces", body)
        self._start_simulator()
        self._start_operator(restart=False)
        if self.subject.installs_crds:
            self._wait_own_crds()

    def _install_crds(self) -> None:
        assert self.cluster is not None
        self.cluster.kubectl("apply", "--server-side", "-f", str(CRD_DIR))
        self.cluster.kubectl(
            "wait", "--for=condition=Established", "--timeout=60s", "-f", str(CRD_DIR)
        )

    def _wait_own_crds(self) -> None:
        """The operator installs its CRDs at start-up; wait until the three kinds serve."""
        assert self.cluster is not None
        g = self.subject.group
        crds = [f"crd/{plural}.{g}" for plural in ("clusters", "pdgroups", "tikvgroups")]
        deadline = time.monotonic() + 120
        while True:
            done = self.cluster.kubectl(
                "wait", "--for=condition=Established", "--timeout=10s", *crds, check=False
            )
            if done.returncode == 0:
                return
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"{self.subject.name} did not install its CRDs: {done.stderr}")
            time.sleep(1)

    def _start_simulator(self) -> None:
        assert self.cluster is not None
        log_dir = self.workdir / "logs"
        settings = [
            f"--max-store-down-time={self.args.max_store_down_time}",
            f"--tick={self.args.sim_tick}",
        ]
        if self.args.sim == "shared":
            ready_file = self.workdir / "pdfleet.json"
            argv = [sys.executable, "-m", "tests.bench.pdfleet"]
            argv += [f"--kubeconfig={self.cluster.kubeconfig}", f"--ready-file={ready_file}"]
            argv += [f"--objects={self.subject.sim_objects}"]
            argv += [f"--cluster={m.key}" for m in self.members] + settings
            sim = Process("pdfleet", argv, log_dir / "pdfleet.log").start()
            self.processes.append(sim)
            self.sim_processes.append(sim)
            deadline = time.monotonic() + 60 + self.args.clusters
            while not ready_file.exists():
                if not sim.alive():
                    raise BenchError(f"the PD simulator exited:\n{sim.log_tail()}")
                if time.monotonic() > deadline:
                    raise BenchError("the PD simulator did not start listening")
                time.sleep(0.2)
            urls = json.loads(ready_file.read_text())
            for m in self.members:
                m.pd_url = urls[m.key]
        else:
            for m in self.members:
                port = free_port()
                argv = [sys.executable, "-m", "hack.pdsim", "--port", str(port)]
                argv += ["--follow-namespace", m.namespace, "--follow-cluster", m.cluster]
                argv += ["--kubeconfig", str(self.cluster.kubeconfig), *settings]
                sim = Process(f"pdsim-{m.namespace}", argv, log_dir / f"pdsim-{m.namespace}.log")
                self.processes.append(sim.start())
                self.sim_processes.append(sim)
                m.pd_url = f"http://127.0.0.1:{port}"
        for i, m in enumerate(self.members):
            sim = self.sim_processes[0 if self.args.sim == "shared" else i]
            wait_http_ok(f"{m.pd_url}/sim/events", sim)
        log(f"PD simulator up ({self.args.sim}): {len(self.sim_processes)} process(es)")

    def _start_operator(self, restart: bool) -> float:
        """Start the operator; returns when its process started (monotonic)."""
        assert self.cluster is not None
        launch = Launch(
            kubeconfig=self.cluster.kubeconfig,
            metrics_port=free_port(),
            probe_port=free_port(),
            pd_urls={m.key: m.pd_url for m in self.members},
            restart=restart,
            leader_elect=self.args.leader_elect,
            pd_poll_interval=self.args.pd_poll_interval,
            log_format=self.args.log_format,
        )
        argv = self.subject.argv(launch, list(self.args.operator_arg or ()))
        self.operator_argv = argv
        name = "operator-restarted" if restart else "operator"
        self.operator = Process(name, argv, self.workdir / "logs" / f"{name}.log")
        started = time.monotonic()
        self.processes.append(self.operator.start())
        wait_http_ok(f"http://127.0.0.1:{launch.probe_port}/readyz", self.operator, timeout=180)
        self.metrics_url = f"http://127.0.0.1:{launch.metrics_port}/metrics"
        wait_http_ok(self.metrics_url, self.operator)
        log(f"{self.subject.name} up (pid {self.operator.pid}); log {self.operator.log_path}")
        return started

    def stop(self) -> None:
        for p in reversed(self.processes):
            try:
                p.stop()
            except Exception as err:  # stopping the others matters more than this one
                log(f"stopping {p.name}: {err}")
        self.processes.clear()
        self.http.close()
        if self.api is not None:
            self.api.close()
        if self.cluster is not None:
            self.cluster.stop()

    # ---- API server access (sync httpx; nothing of the operator's code) ----

    def _post(self, path: str, body: dict[str, Any]) -> None:
        assert self.api is not None
        r = self.api.post(path, json=body)
        if r.status_code not in (200, 201, 409):
            raise BenchError(f"POST {path}: {r.status_code} {r.text[:500]}")

    def _patch(self, path: str, body: dict[str, Any]) -> None:
        assert self.api is not None
        r = self.api.patch(path, json=body, headers=MERGE_PATCH)
        if r.status_code != 200:
            raise BenchError(f"PATCH {path}: {r.status_code} {r.text[:500]}")

    def _get(self, path: str) -> dict[str, Any]:
        assert self.api is not None
        r = self.api.get(path)
        r.raise_for_status()
        answer: dict[str, Any] = r.json()
        return answer

    def _list(self, plural: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (
            self._get(f"/apis/{self.subject.group}/{self.subject.version}/{plural}").get("items")
            or []
        )
        return items

    def check_alive(self) -> None:
        for p in self.processes:
            if not p.alive():
                raise BenchError(f"{p.name} exited:\n{p.log_tail()}")

    # ---- sampling ----

    def scrape(self) -> tuple[promtext.Snapshot, float]:
        """The operator's metrics, and how long /metrics took to answer (ms)."""
        started = time.monotonic()
        r = self.http.get(self.metrics_url)
        r.raise_for_status()
        return promtext.parse(r.text, OPERATOR_METRICS), (time.monotonic() - started) * 1000

    def metrics_cost(self, scrapes: int = 5) -> dict[str, Any]:
        """How long /metrics takes to answer in steady state: `scrapes` scrapes a second
        apart, wall time each, and the operator's CPU per scrape (its CPU over the scrapes,
        so a busy operator counts too; on a shared machine wall time also holds waiting for
        a core, which the CPU figure does not)."""
        assert self.operator is not None
        walls: list[float] = []
        size = 0
        cpu = 0.0
        for _ in range(scrapes):
            time.sleep(1.0)
            before = cpu_seconds(self.operator.pid)
            started = time.monotonic()
            r = self.http.get(self.metrics_url)
            r.raise_for_status()
            walls.append((time.monotonic() - started) * 1000)
            cpu += cpu_seconds(self.operator.pid) - before
            size = len(r.content)
        return {
            "scrapes": scrapes,
            "wall_ms_min": rnd(min(walls), 1),
            "wall_ms_median": rnd(statistics.median(walls), 1),
            "cpu_ms_per_scrape": rnd(cpu * 1000 / scrapes, 1),
            "bytes": size,
        }

    def sample(self, apiserver: bool = False) -> Sample:
        assert self.operator is not None
        snapshot, scrape_ms = self.scrape()
        sim = self._sim_requests() if self.args.sim == "shared" else None
        api_snapshot = None
        if apiserver:
            assert self.api is not None
            a = self.api.get("/metrics", timeout=60)
            a.raise_for_status()
            api_snapshot = promtext.parse(a.text, APISERVER_METRICS)
        self._watch_memory()
        return Sample(
            at=time.monotonic(),
            operator=snapshot,
            cpu=cpu_seconds(self.operator.pid),
            sim=sim,
            apiserver=api_snapshot,
            scrape_ms=scrape_ms,
        )

    def _sim_requests(self) -> dict[str, dict[tuple[str, str, int], float]] | None:
        out: dict[str, dict[tuple[str, str, int], float]] = {}
        for m in self.members:
            try:
                rows = self.http.get(f"{m.pd_url}/sim/requests", timeout=10).json()
            except (httpx.HTTPError, ValueError):
                return None
            out[m.key] = {(r["method"], r["route"], int(r["code"])): r["count"] for r in rows}
        return out

    def _watch_memory(self) -> None:
        """VmHWM is per process: the peak over the run is the larger of both processes'."""
        assert self.operator is not None
        mem = memory_mb(self.operator.pid)
        self.peak_rss_mb = max(self.peak_rss_mb, mem.get("VmHWM", 0.0))

    def tick(self, force: bool = False) -> None:
        """Between polls: check the processes, and add a timeline point when one is due."""
        self.check_alive()
        now = time.monotonic()
        if not force and now - self.last_point < self.args.timeline_every:
            return
        self.last_point = now
        counts: dict[str, float] = {}
        try:
            snapshot, scrape_ms = self.scrape()
        except httpx.HTTPError:
            snapshot = None
        if snapshot is not None:
            rest = snapshot.select("rest_client_requests_total")
            by_method = promtext.group(rest, lambda lb: lb.get("method", "?"))
            counts["api_reads"] = by_method.get("GET", 0.0)
            counts["api_writes"] = sum(by_method.get(m, 0.0) for m in figures.WRITE_METHODS)
            counts["metrics_ms"] = scrape_ms
            self._watch_memory()
        sim = self._sim_requests() if self.args.sim == "shared" else None
        if sim is not None:
            counts["pd_requests"] = sum(
                v
                for per in sim.values()
                for (_, route, _), v in per.items()
                if route.startswith("/pd/")
            )
        self.points.append(timeline.Point(now - self.origin, counts))

    def phase(self, name: str, start: float, end: float) -> None:
        self.phases.append(
            {"name": name, "start_s": rnd(start - self.origin), "end_s": rnd(end - self.origin)}
        )

    # ---- phases ----

    def apply_fleet(self) -> float:
        log(
            f"applying {len(self.members)} cluster(s) of {self.args.pd} PD + {self.args.tikv} "
            f"TiKV ({self.subject.name})"
        )
        first = self.origin = time.monotonic()
        for m in self.members:
            m.applied_at = time.monotonic()
            for doc in self.subject.objects(m.namespace, self.args.pd, self.args.tikv):
                plural = doc["kind"].lower() + "s"
                self._post(self.subject.plural_path(m.namespace, plural), doc)
                if doc["kind"] == "Cluster" and self.subject.pd_status is not None:
                    path = self.subject.plural_path(m.namespace, "clusters")
                    self._patch(f"{path}/{m.cluster}/status", self.subject.pd_status(m.pd_url))
            self.tick()
        return first

    def _observe(self, replicas: int | None, scaling: bool) -> None:
        """One look at every cluster's objects, stamping the milestones reached."""
        now = time.monotonic()
        by_ns = {m.namespace: m for m in self.members}
        # (plural, name) by namespace: ours names both groups after the cluster.
        ready_groups: dict[str, set[tuple[str, str]]] = {}
        for plural in ("pdgroups", "tikvgroups"):
            for obj in self._list(plural):
                name, ns = obj["metadata"]["name"], obj["metadata"]["namespace"]
                want = replicas if scaling and plural == "tikvgroups" else None
                if group_ready(obj, want):
                    ready_groups.setdefault(ns, set()).add((plural, name))
        if self.subject.has_cluster_ready and not scaling:
            for obj in self._list("clusters"):
                m = by_ns.get(obj["metadata"]["namespace"])
                if m and m.cluster_ready_at is None and is_true(obj, "Ready"):
                    m.cluster_ready_at = now
        for m in self.members:
            groups = ready_groups.get(m.namespace, set())
            tikv_ok = ("tikvgroups", self.subject.tikv_group) in groups
            if scaling:
                if m.scaled_at is None and tikv_ok:
                    m.scaled_at = now
            elif (
                m.groups_ready_at is None
                and tikv_ok
                and ("pdgroups", self.subject.pd_group) in groups
            ):
                m.groups_ready_at = now

    def ready_at(self, m: Member) -> float | None:
        return m.cluster_ready_at if self.args.ready_by == "cluster" else m.groups_ready_at

    def wait_ready(self) -> bool:
        progress = Progress()
        deadline = self.origin + self.args.ready_timeout
        what = "Clusters Ready" if self.args.ready_by == "cluster" else "groups Ready"
        while True:
            self.tick()
            try:
                self._observe(None, scaling=False)
            except httpx.HTTPError as err:
                log(f"listing failed ({err}); retrying")
            ready = sum(self.ready_at(m) is not None for m in self.members)
            now = time.monotonic()
            progress.show(
                f"[{self.subject.name}] {what} {bar(ready, len(self.members))}  "
                f"{now - self.origin:6.1f}s"
            )
            if ready == len(self.members):
                progress.done()
                return True
            if now > deadline:
                progress.done()
                return False
            time.sleep(self.args.poll)

    def idle(self, seconds: float, what: str) -> None:
        """Wait without touching the API server."""
        progress = Progress()
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.tick()
            progress.show(f"[{self.subject.name}] {what}: {left:5.0f}s left")
            time.sleep(min(1.0, left))
        progress.done()

    def restart(self) -> dict[str, Any]:
        """Stop the operator with everything converged and start it again: how long until
        it has reconciled every object once with its work queues empty."""
        assert self.operator is not None
        objects = len(self.members) * (3 + self.args.pd + self.args.tikv)
        old = self.operator
        self.cpu_before_restart = cpu_seconds(old.pid)
        stopped_at = time.monotonic()
        old.stop()
        self.processes.remove(old)
        started = self._start_operator(restart=True)
        up = time.monotonic()
        progress = Progress()
        deadline = started + self.args.ready_timeout
        resynced: float | None = None
        changed, total, depth = started, 0.0, 0.0
        while time.monotonic() < deadline:
            self.tick()
            snapshot, _ = self.scrape()
            now = time.monotonic()
            seen = sum_of(snapshot, "controller_runtime_reconcile_total")
            depth = sum_of(snapshot, "workqueue_depth")
            if seen != total:
                total, changed = seen, now
            progress.show(
                f"[{self.subject.name}] resync: reconciled {bar(int(min(total, objects)), objects)}"
                f" ({total:.0f} in all), queued {depth:.0f}  {now - started:5.1f}s"
            )
            # Done once every object had its reconcile and nothing more happened for a
            # while: the follow-ups a first reconcile requeues count as resync too.
            if total >= objects and depth == 0 and now - changed >= self.args.resync_quiet:
                resynced = changed
                break
            time.sleep(0.2)
        progress.done()
        after = self.sample()
        self.phase("restart", stopped_at, after.at)
        keys = [m.key for m in self.members]
        base = Sample(at=started, operator=promtext.Snapshot({}), cpu=0.0, sim=None)
        activity = figures.window(base, after, keys, self.subject.group)
        return {
            "objects": objects,
            "stop_s": rnd(started - stopped_at),
            "metrics_up_s": rnd(up - started),
            "resync_s": rnd(resynced - started) if resynced is not None else None,
            "quiet_s": self.args.resync_quiet,
            "reconciles": total,
            "api": activity["api"],
            "reconcile_total": activity["reconcile_total"],
            "operator_cpu_s": activity["operator_cpu"]["seconds"],
        }

    def scale(self) -> dict[str, Any]:
        """Every TiKVGroup to `--scale-to` replicas at once; time until each is Ready again."""
        log(f"scaling every TiKVGroup to {self.args.scale_to}")
        before = self.sample()
        first = time.monotonic()
        for m in self.members:
            m.scale_at = time.monotonic()
            path = self.subject.plural_path(m.namespace, "tikvgroups")
            self._patch(
                f"{path}/{self.subject.tikv_group}", {"spec": {"replicas": self.args.scale_to}}
            )
        progress = Progress()
        deadline = first + self.args.ready_timeout
        while time.monotonic() < deadline:
            self.tick()
            try:
                self._observe(self.args.scale_to, scaling=True)
            except httpx.HTTPError as err:
                log(f"listing failed ({err}); retrying")
            done = sum(m.scaled_at is not None for m in self.members)
            progress.show(
                f"[{self.subject.name}] TiKVGroups at {self.args.scale_to} "
                f"{bar(done, len(self.members))}  {time.monotonic() - first:6.1f}s"
            )
            if done == len(self.members):
                break
            time.sleep(self.args.poll)
        progress.done()
        after = self.sample()
        self.phase("scale", first, after.at)
        out = figures.milestone({m.key: (m.scale_at, m.scaled_at) for m in self.members}, first)
        activity = figures.window(before, after, [m.key for m in self.members], self.subject.group)
        out["api"] = activity["api"]
        out["reconcile_total"] = activity["reconcile_total"]
        out["per_cluster"] = [
            {
                "cluster": m.key,
                "scaled_at_s": rnd(m.scaled_at - self.origin) if m.scaled_at else None,
            }
            for m in self.members
        ]
        return out

    def ready_figures(self) -> dict[str, Any]:
        out = figures.milestone(
            {m.key: (m.applied_at, self.ready_at(m)) for m in self.members}, self.origin
        )
        out["by"] = self.args.ready_by
        out["groups"] = figures.milestone(
            {m.key: (m.applied_at, m.groups_ready_at) for m in self.members}, self.origin
        )

        def rel(t: float | None, since: float) -> float | None:
            return rnd(t - since) if t is not None else None

        out["per_cluster"] = [
            {
                "cluster": m.key,
                "applied_s": rel(m.applied_at, self.origin),
                "ready_at_s": rel(self.ready_at(m), self.origin),
                "cluster_ready_s": rel(m.cluster_ready_at, m.applied_at),
                "groups_ready_s": rel(m.groups_ready_at, m.applied_at),
            }
            for m in self.members
        ]
        return out

    def store_down(self) -> dict[str, Any]:
        """Stop one store's heartbeats in the simulator; time until its TiKV says Down."""
        m = self.members[0]
        stores = httpx.get(f"{m.pd_url}/pd/api/v1/stores", timeout=10).json().get("stores")
        up = [s["store"] for s in stores or () if s["store"].get("state_name") == "Up"]
        if not up:
            raise BenchError(f"{m.key}: the simulator has no Up store")
        store = max(up, key=lambda s: int(s["id"]))
        address, store_id = store["address"], str(store["id"])
        tikvs = self._get(self.subject.plural_path(m.namespace, "tikvs"))["items"]
        owner = next((t for t in tikvs if str((t.get("status") or {}).get("id")) == store_id), None)
        name = owner["metadata"]["name"] if owner else address.split(".")[0]
        obj_path = self.subject.plural_path(m.namespace, "tikvs") + f"/{name}"
        log(f"store-down: stopping store {store_id} ({address}) of {m.key}, TiKV {name}")

        t0 = time.time()
        r = httpx.post(f"{m.pd_url}/sim/stores/{quote(address, safe='')}/stop", timeout=10)
        r.raise_for_status()
        seen: dict[str, float] = {}
        sim_events: dict[str, float] = {}
        timeline: list[dict[str, Any]] = []
        last_state: tuple[Any, ...] = ()
        deadline = time.monotonic() + self.args.store_down_timeout
        progress = Progress()
        while time.monotonic() < deadline:
            self.check_alive()
            now = time.time()
            obj = self._get(obj_path)
            status = obj.get("status") or {}
            state_name = status.get("stateName")
            ready = conditions(obj).get("Ready", {})
            messages = " ".join(str(c.get("message", "")) for c in conditions(obj).values())
            state = (state_name, ready.get("status"), ready.get("reason"))
            if state != last_state:
                timeline.append(
                    {
                        "t": rnd(now - t0),
                        "stateName": state_name,
                        "ready": ready.get("status"),
                        "reason": ready.get("reason"),
                        "message": ready.get("message"),
                    }
                )
                last_state = state
            if state_name == "Disconnected":
                seen.setdefault("status_disconnected", now)
            if state_name == "Down":
                seen.setdefault("status_down", now)
            if "Down" in messages:
                seen.setdefault("condition_mentions_down", now)
            if ready.get("status") != "True":
                seen.setdefault("ready_not_true", now)
            for e in httpx.get(f"{m.pd_url}/sim/events", timeout=10).json():
                if e["subject"] == address and e["time"] >= t0 - 1:
                    sim_events.setdefault(e["kind"], e["time"])
            elapsed = time.time() - t0
            progress.show(
                f"store-down: {elapsed:5.1f}s, TiKV stateName={state_name} "
                f"Ready={ready.get('status')}"
            )
            if "status_down" in seen and "condition_mentions_down" in seen:
                break
            if "status_down" in seen and now - seen["status_down"] > 5:
                break
            time.sleep(0.25)
        progress.done()

        def since(a: float | None, b: float | None) -> float | None:
            return rnd(a - b) if a is not None and b is not None else None

        sim_disc, sim_down = sim_events.get("store-disconnected"), sim_events.get("store-down")
        result = {
            "cluster": m.key,
            "tikv": name,
            "store_id": store_id,
            "address": address,
            "max_store_down_time_s": self.args.max_store_down_time,
            "sim_disconnected_after_stop_s": since(sim_disc, t0),
            "sim_down_after_stop_s": since(sim_down, t0),
            "status_disconnected_after_stop_s": since(seen.get("status_disconnected"), t0),
            "ready_not_true_after_stop_s": since(seen.get("ready_not_true"), t0),
            "status_down_after_stop_s": since(seen.get("status_down"), t0),
            "status_disconnected_after_sim_s": since(seen.get("status_disconnected"), sim_disc),
            "ready_not_true_after_sim_disconnected_s": since(seen.get("ready_not_true"), sim_disc),
            "status_down_after_sim_down_s": since(seen.get("status_down"), sim_down),
            "condition_mentions_down_after_sim_down_s": since(
                seen.get("condition_mentions_down"), sim_down
            ),
            "store_reconnected_in_sim": "store-reconnected" in sim_events,
            "reached_down": "status_down" in seen,
            "timeline": timeline,
        }
        return result


# ---- main -------------------------------------------------------------------------------


def default_out(clusters: int, suffix: str = "") -> Path:
    base = REPO / "bench" / "results" / f"{dt.date.today().isoformat()}-{clusters}{suffix}"
    path, n = base.with_suffix(".json"), 2
    while path.exists():
        path = Path(f"{base}-{n}.json")
        n += 1
    return path


def run_subject(args: argparse.Namespace, subject: Subject, workdir: Path) -> dict[str, Any]:
    """Every phase of the bench for one operator, on its own fresh control plane."""
    bench = Bench(args, subject, workdir)
    result: dict[str, Any] = {
        "subject": subject.name,
        "config": {
            "clusters": args.clusters,
            "pd": args.pd,
            "tikv": args.tikv,
            "scale_to": args.scale_to,
            "ready_by": args.ready_by,
            "steady_s": args.steady,
            "settle_s": args.settle,
            "sim": args.sim,
            "sim_tick_s": args.sim_tick,
            "max_store_down_time_s": args.max_store_down_time,
            "leader_elect": args.leader_elect,
            "pd_poll_interval": args.pd_poll_interval,
            "log_format": args.log_format,
        },
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_at_start": os.getloadavg(),
    }
    keys: list[str] = []
    try:
        bench.start()
        assert bench.operator is not None
        result["operator_argv"] = bench.operator_argv
        base = bench.sample(apiserver=True)
        bench.apply_fleet()
        all_ready = bench.wait_ready()
        converged = bench.sample(apiserver=True)
        bench.phase("converge", bench.origin, converged.at)
        keys = [m.key for m in bench.members]
        result["ready"] = bench.ready_figures()
        result["convergence"] = figures.window(base, converged, keys, subject.group)
        if not all_ready:
            log("not every cluster became Ready in time; measuring the rest anyway")
        if args.settle > 0:
            bench.idle(args.settle, "settling")
        start = bench.sample(apiserver=True)
        bench.idle(args.steady, "steady window")
        end = bench.sample(apiserver=True)
        bench.phase("steady", start.at, end.at)
        result["steady"] = figures.window(start, end, keys, subject.group)
        cost = bench.metrics_cost()
        result["operator"] = {"metrics_scrape_ms": cost["wall_ms_median"], "metrics": cost}
        if args.store_down:
            result["store_down"] = bench.store_down()
        if args.restart:
            result["restart"] = bench.restart()
        if args.scale_to != args.tikv:
            result["scale"] = bench.scale()
        assert bench.operator is not None
        mem = memory_mb(bench.operator.pid)
        bench.tick(force=True)
        result["operator"].update(
            {
                "pid": bench.operator.pid,
                "cpu_seconds_total": rnd(
                    bench.cpu_before_restart + cpu_seconds(bench.operator.pid)
                ),
                "peak_rss_mb": rnd(max(bench.peak_rss_mb, mem.get("VmHWM", 0.0)), 1),
                "rss_end_mb": rnd(mem.get("VmRSS"), 1),
                "metrics_scrape_ms_max": rnd(
                    max((p.counts.get("metrics_ms", 0.0) for p in bench.points), default=0.0), 1
                ),
            }
        )
        result["load_at_end"] = os.getloadavg()
        result["timeline"] = timeline.to_json(bench.points)
        result["phases"] = bench.phases
        result["complete"] = all_ready
        result["summary_markdown"] = summary.markdown(result)
        return result
    finally:
        log(f"[{subject.name}] stopping everything the bench started")
        bench.stop()
        if not args.keep_workdir and "complete" in result:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"logs kept in {workdir / 'logs'}")


def run(args: argparse.Namespace) -> int:
    # Absolute: the kubeconfig names its CA file by a path the components resolve themselves.
    workdir: Path = args.workdir.resolve()
    header = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": provenance.machine(),
        "revision": provenance.git_revision(),
    }
    if args.compare == "v2":
        if not v2_binary().exists():
            raise BenchError(f"no {v2_binary()}: run bash hack/build-binaries.sh tidb-operator-v2")
        theirs = run_subject(args, TIDB_OPERATOR_V2, workdir / "v2")
        ours = run_subject(args, TIKV_OPERATOR, workdir / "ours")
        table = compare.rows(ours, theirs)
        result: dict[str, Any] = {
            **header,
            "runs": [theirs, ours],
            "compare": [
                {
                    "figure": r.figure.label,
                    "path": r.figure.path,
                    "ours": r.ours,
                    "v2": r.theirs,
                    "ratio": rnd(r.ratio, 3),
                    "better": r.verdict,
                }
                for r in table
            ],
            "compare_markdown": compare.markdown_table(table),
            "targets": [vars(v) for v in targets.judge(ours)],
            "targets_compare": [vars(v) for v in targets.judge_compare(ours, theirs)],
        }
        runs = [ours, theirs]
        out_path: Path = args.out or default_out(args.clusters, "-compare-v2")
    else:
        ours = run_subject(args, TIKV_OPERATOR, workdir / "ours")
        result = {**header, **ours, "targets": [vars(v) for v in targets.judge(ours)]}
        runs = [ours]
        out_path = args.out or default_out(args.clusters)
    result["machine"]["loadavg_1m_at_end"] = os.getloadavg()[0]
    result["out"] = str(out_path)
    result["chart"] = str(out_path.with_suffix(".png"))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    chart.render(runs, out_path.with_suffix(".png"))
    for one in runs:
        report.print_run(one, result)
    targets.print_verdicts(f"ours, {args.clusters} clusters", targets.judge(ours))
    if args.compare == "v2":
        print(f"\n== ours / tidb-operator v2, {args.clusters} clusters ==")
        compare.text_table(table)
        targets.print_verdicts("ours against v2", targets.judge_compare(ours, theirs))
    print(f"\nwritten to {out_path} and {out_path.with_suffix('.png')}")
    return 0 if all(r["complete"] for r in runs) else 2


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.fleet",
        description=(__doc__ or "").split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--clusters",
        type=int,
        default=int(os.environ.get("BENCH_CLUSTERS", "20")),
        help="clusters in the fleet (env BENCH_CLUSTERS)",
    )
    p.add_argument("--pd", type=int, default=3, help="PD replicas per cluster")
    p.add_argument("--tikv", type=int, default=3, help="TiKV replicas per cluster")
    p.add_argument(
        "--scale-to", type=int, default=4, help="TiKV replicas of the scale phase (= --tikv: none)"
    )
    p.add_argument(
        "--restart",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the operator's resync after a restart",
    )
    p.add_argument(
        "--resync-quiet",
        type=float,
        default=3.0,
        help="seconds without a reconcile that end the resync after a restart",
    )
    p.add_argument(
        "--compare",
        choices=("v2",),
        default=os.environ.get("COMPARE") or None,
        help="also run the fleet through tidb-operator v2 and print both (env COMPARE)",
    )
    p.add_argument(
        "--ready-by",
        choices=("cluster", "groups"),
        default=None,
        help="what Ready means: the Cluster's condition (ours' default) or both groups' "
        "(with --compare, always)",
    )
    p.add_argument("--steady", type=float, default=60.0, help="steady-state window, seconds")
    p.add_argument(
        "--settle",
        type=float,
        default=None,
        help="seconds between all Ready and the steady window (default 20, or one PD poll "
        "interval plus 10 when that is longer: an operator sees what PD settled to only at "
        "its next poll, and that catching up is not steady state)",
    )
    p.add_argument(
        "--store-down", action="store_true", help="after the steady window, time a store going Down"
    )
    p.add_argument(
        "--max-store-down-time",
        type=float,
        default=60.0,
        help="simulator's max-store-down-time, seconds (real PD: 1800)",
    )
    p.add_argument(
        "--store-down-timeout",
        type=float,
        default=None,
        help="give up on the store-down measurement after this many seconds "
        "(default: max-store-down-time + 180)",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="JSON output (default bench/results/<date>-<N>.json)"
    )
    p.add_argument(
        "--sim",
        choices=("shared", "per-cluster"),
        default="shared",
        help="one simulator process for all clusters, or one per cluster",
    )
    p.add_argument("--sim-tick", type=float, default=0.5, help="simulator tick, seconds")
    p.add_argument(
        "--leader-elect",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="run our operator with leader election (v2 runs without: out of cluster it has "
        "no namespace for the lease)",
    )
    p.add_argument(
        "--pd-poll-interval",
        default=None,
        help="passed to our operator (default: its default; with --compare v2: 30s, v2's)",
    )
    p.add_argument("--log-format", default="json", choices=("json", "console"))
    p.add_argument(
        "--operator-arg",
        action="append",
        metavar="ARG",
        help="extra argument for the operator under test (repeatable)",
    )
    p.add_argument("--nodes", type=int, default=0, help="kwok nodes (default: by pod count)")
    p.add_argument(
        "--ready-timeout",
        type=float,
        default=None,
        help="seconds allowed for each phase (default 180 + 20 per cluster)",
    )
    p.add_argument(
        "--poll", type=float, default=0.5, help="seconds between object lists while converging"
    )
    p.add_argument(
        "--timeline-every",
        type=float,
        default=10.0,
        help="seconds between timeline points (each scrapes the operator's /metrics)",
    )
    p.add_argument("--workdir", type=Path, default=REPO / ".local" / "bench-fleet")
    p.add_argument(
        "--keep-workdir",
        action="store_true",
        help="keep logs and control-plane state after a successful run",
    )
    args = p.parse_args(argv)
    if args.clusters < 1:
        p.error("--clusters must be at least 1")
    if args.compare:
        if args.ready_by == "cluster":
            p.error("--compare judges both operators by their groups: drop --ready-by cluster")
        if args.sim != "shared" or args.store_down:
            p.error("--compare needs the shared simulator and no --store-down")
        args.ready_by = "groups"
        args.pd_poll_interval = args.pd_poll_interval or "30s"
    args.ready_by = args.ready_by or "cluster"
    if args.settle is None:
        args.settle = max(20.0, targets.duration_s(args.pd_poll_interval) + 10.0)
    if args.ready_timeout is None:
        args.ready_timeout = 180.0 + 20.0 * args.clusters
    if args.store_down_timeout is None:
        args.store_down_timeout = args.max_store_down_time + 180.0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so that the finally blocks stop every process by PID.
    # (SIGINT too, explicitly: a shell starting us in the background leaves it ignored.)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run(args)
    except (BenchError, ControlPlaneError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
