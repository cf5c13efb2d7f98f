"""Fleet bench: one operator, N clusters, and what it costs to run them.

    python -m tests.bench.fleet [--clusters 5] [--pd 3] [--tikv 3] [--steady 60]
                                [--store-down] [--out PATH]
    make bench-fleet ARGS="--clusters 1 --tikv 5 --steady 120 --store-down"

On a fresh local control plane (`hack.localcluster`: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, kwok, the volume provisioner) it installs the CRDs,
starts the PD simulator and the operator as a process (`tikv-operator run`, cluster-wide,
one `--pd-url-override NS/basic=URL` per cluster, leader election off as in the e2e harness
unless `--leader-elect`), creates N clusters built from examples/basic in N namespaces
(`fleet-000`, ...; replicas from `--pd` / `--tikv`) and measures:

- time from apply to each Cluster's `Ready` (and `Available`) condition: first, median, last;
- during convergence and then in a steady-state window (`--steady` seconds, after all are
  Ready and `--settle` more seconds have passed): the operator's API requests by method and
  code (`rest_client_requests_total` deltas), PD requests per cluster per minute by API and
  code (`tikv_operator_pd_requests_total` deltas, cross-checked against what the simulator
  counted), reconciles per controller per minute and p50/p99 reconcile time
  (`controller_runtime_reconcile_total`, `controller_runtime_reconcile_time_seconds`
  bucket deltas, interpolated as Prometheus' histogram_quantile does), operator CPU seconds;
  in the steady window also the API server's own count of requests on `core.tikv.org`
  resources by verb (`apiserver_request_total`; only the operator touches those then: the
  bench itself is silent during the window);
- operator peak RSS (VmHWM) and CPU from /proc;
- with `--store-down`: after the steady window, one store of the first cluster stops
  heartbeating in the simulator (`POST /sim/stores/{address}/stop`); the simulator calls it
  Disconnected after 20 s and Down after `--max-store-down-time` (default 60 s here, 30 min
  in real PD), and the bench polls that TiKV object until `status.stateName` says so. The
  figure is the time from the simulator's Down (its event log) to the object saying Down.

It writes every figure to `--out` (default `bench/results/<date>-<N>.json`) and prints a
table. Every process it starts is stopped by PID on exit, Ctrl-C and errors alike.

PD simulator: by default ONE process serves every cluster (`tests.bench.pdfleet`): one
`hack.pdsim` PD per cluster, each on its own loopback port and following its own namespace,
sharing an event loop. One process per cluster would cost ~50 MB and a Python interpreter
each (5 GB at 100 clusters on a 2-core machine, competing with the operator for CPU), and
PD's URL must differ per cluster anyway since the operator is pointed at each cluster's
PD by URL. The shared host also counts the PD requests it answers (`GET /sim/requests`),
which the stock simulator does not. `--sim per-cluster` runs the stock `python -m
hack.pdsim --follow-namespace` once per cluster instead (no cross-check then).

The bench depends only on the operator's CLI, the CRDs, metric names and the simulator's
HTTP API, so the same bench measures the operator before and after a refactor.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from hack.dev import Process, wait_http_ok
from hack.localcluster import REPO, ControlPlaneError, LocalCluster, free_port
from tests.bench import promtext

CLUSTER = "basic"
EXAMPLE = REPO / "examples" / "basic"
CRD_DIR = REPO / "manifests" / "crd"
GROUP = "core.tikv.org"
PLURALS = {"Cluster": "clusters", "PDGroup": "pdgroups", "TiKVGroup": "tikvgroups"}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
OPERATOR_METRICS = (
    "rest_client_requests_total",
    "tikv_operator_pd_requests_total",
    "controller_runtime_reconcile_total",
    "controller_runtime_reconcile_errors_total",
    "controller_runtime_reconcile_time_seconds",
    "workqueue_adds_total",
    "workqueue_retries_total",
)
APISERVER_METRICS = ("apiserver_request_total",)
OPERATOR_CODE = ("controllers", "tikv_operator", "apis")


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


def per_min(count: float, seconds: float) -> float:
    return count * 60.0 / seconds if seconds > 0 else 0.0


def rnd(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c.get("type", ""): c for c in (obj.get("status") or {}).get("conditions") or ()}


def is_true(obj: dict[str, Any], type_: str) -> bool:
    return conditions(obj).get(type_, {}).get("status") == "True"


# ---- the operator process, seen from /proc ----------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process (and of children it waited for)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rfind(")") + 2 :].split()
    # After the command: state(3) ... utime(14) stime(15) cutime(16) cstime(17).
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) in MB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024.0
    return out


# ---- the fleet --------------------------------------------------------------------------


def example_objects(namespace: str, pd: int, tikv: int) -> list[dict[str, Any]]:
    """examples/basic in `namespace`, with the group replicas asked for."""
    docs: list[dict[str, Any]] = []
    for name in ("cluster.yaml", "pd-group.yaml", "tikv-group.yaml"):
        for doc in yaml.safe_load_all((EXAMPLE / name).read_text()):
            if not doc:
                continue
            doc.setdefault("metadata", {})["namespace"] = namespace
            if doc["kind"] == "PDGroup":
                doc["spec"]["replicas"] = pd
            elif doc["kind"] == "TiKVGroup":
                doc["spec"]["replicas"] = tikv
            docs.append(doc)
    return docs


def object_path(doc: dict[str, Any]) -> str:
    kind = doc["kind"]
    plural = PLURALS.get(kind, kind.lower() + "s")
    return f"/apis/{doc['apiVersion']}/namespaces/{doc['metadata']['namespace']}/{plural}"


@dataclass
class Member:
    """One cluster of the fleet and the times it reached its milestones (monotonic)."""

    namespace: str
    applied_at: float = 0.0
    ready_at: float | None = None
    available_at: float | None = None
    pd_url: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{CLUSTER}"


@dataclass
class Sample:
    """Everything read at one instant, for deltas between instants."""

    at: float
    operator: promtext.Snapshot
    cpu: float
    sim: dict[str, dict[tuple[str, str, int], float]] | None
    apiserver: promtext.Snapshot | None = None
    scrape_ms: float = 0.0


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    cluster: LocalCluster | None = None
    members: list[Member] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    operator: Process | None = None
    sim_processes: list[Process] = field(default_factory=list)
    metrics_url: str = ""
    api: httpx.Client | None = None
    operator_argv: list[str] = field(default_factory=list)

    # ---- start-up ----

    def start(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        pods = self.args.clusters * (self.args.pd + self.args.tikv)
        nodes = self.args.nodes or max(6, -(-pods // 80))
        self.cluster = LocalCluster(workdir=self.workdir / "cluster", nodes=nodes)
        started = time.monotonic()
        log(f"starting the local control plane ({nodes} kwok nodes) in {self.workdir}")
        self.cluster.start()
        self.api = self.cluster.api()
        log(f"control plane up in {time.monotonic() - started:.1f}s; installing the CRDs")
        self.cluster.kubectl("apply", "--server-side", "-f", str(CRD_DIR))
        self.cluster.kubectl(
            "wait", "--for=condition=Established", "--timeout=60s", "-f", str(CRD_DIR)
        )
        self.members = [Member(f"fleet-{i:03d}") for i in range(self.args.clusters)]
        for m in self.members:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": m.namespace}}
            self._post("/api/v1/namespaces", body)
        self._start_simulator()
        self._start_operator()

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
                argv += ["--follow-namespace", m.namespace, "--follow-cluster", CLUSTER]
                argv += ["--kubeconfig", str(self.cluster.kubeconfig), *settings]
                sim = Process(f"pdsim-{m.namespace}", argv, log_dir / f"pdsim-{m.namespace}.log")
                self.processes.append(sim.start())
                self.sim_processes.append(sim)
                m.pd_url = f"http://127.0.0.1:{port}"
        for i, m in enumerate(self.members):
            sim = self.sim_processes[0 if self.args.sim == "shared" else i]
            wait_http_ok(f"{m.pd_url}/sim/events", sim)
        log(f"PD simulator up ({self.args.sim}): {len(self.sim_processes)} process(es)")

    def _start_operator(self) -> None:
        assert self.cluster is not None
        metrics_port, probe_port = free_port(), free_port()
        console_script = Path(sys.executable).parent / "tikv-operator"
        if console_script.exists():
            argv = [str(console_script)]
        else:
            argv = [sys.executable, "-m", "tikv_operator.cli"]
        argv += [
            "run",
            f"--kubeconfig={self.cluster.kubeconfig}",
            f"--metrics-bind-address=127.0.0.1:{metrics_port}",
            f"--health-probe-bind-address=127.0.0.1:{probe_port}",
            f"--log-format={self.args.log_format}",
        ]
        if self.args.leader_elect:
            argv += ["--leader-elect", "--leader-election-namespace=default"]
        else:
            argv += ["--no-leader-elect"]
        if self.args.pd_poll_interval:
            argv += [f"--pd-poll-interval={self.args.pd_poll_interval}"]
        argv += [f"--pd-url-override={m.key}={m.pd_url}" for m in self.members]
        argv += list(self.args.operator_arg or ())
        self.operator_argv = argv
        self.operator = Process("operator", argv, self.workdir / "logs" / "operator.log")
        self.processes.append(self.operator.start())
        wait_http_ok(f"http://127.0.0.1:{probe_port}/readyz", self.operator, timeout=120)
        self.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        wait_http_ok(self.metrics_url, self.operator)
        log(f"operator up (pid {self.operator.pid}); log {self.operator.log_path}")

    def stop(self) -> None:
        for p in reversed(self.processes):
            with contextlib.suppress(Exception):
                p.stop()
        self.processes.clear()
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

    def _get(self, path: str) -> dict[str, Any]:
        assert self.api is not None
        r = self.api.get(path)
        r.raise_for_status()
        answer: dict[str, Any] = r.json()
        return answer

    def check_alive(self) -> None:
        for p in self.processes:
            if not p.alive():
                raise BenchError(f"{p.name} exited:\n{p.log_tail()}")

    # ---- sampling ----

    def sample(self, apiserver: bool = False) -> Sample:
        assert self.operator is not None
        started = time.monotonic()
        r = httpx.get(self.metrics_url, timeout=30)
        r.raise_for_status()
        scrape_ms = (time.monotonic() - started) * 1000
        snapshot = promtext.parse(r.text, OPERATOR_METRICS)
        sim = self._sim_requests() if self.args.sim == "shared" else None
        api_snapshot = None
        if apiserver:
            assert self.api is not None
            a = self.api.get("/metrics", timeout=60)
            a.raise_for_status()
            api_snapshot = promtext.parse(a.text, APISERVER_METRICS)
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
                rows = httpx.get(f"{m.pd_url}/sim/requests", timeout=10).json()
            except (httpx.HTTPError, ValueError):
                return None
            out[m.key] = {(r["method"], r["route"], int(r["code"])): r["count"] for r in rows}
        return out

    # ---- phases ----

    def apply_fleet(self) -> float:
        log(
            f"applying {len(self.members)} cluster(s) of {self.args.pd} PD + {self.args.tikv} "
            "TiKV from examples/basic"
        )
        first = time.monotonic()
        for m in self.members:
            m.applied_at = time.monotonic()
            for doc in example_objects(m.namespace, self.args.pd, self.args.tikv):
                self._post(object_path(doc), doc)
        return first

    def wait_ready(self, first_apply: float) -> bool:
        progress = Progress()
        deadline = first_apply + self.args.ready_timeout
        path = f"/apis/{GROUP}/v1alpha1/clusters"
        by_ns = {m.namespace: m for m in self.members}
        while True:
            self.check_alive()
            now = time.monotonic()
            try:
                items = self._get(path).get("items") or []
            except httpx.HTTPError as err:
                log(f"listing Clusters failed ({err}); retrying")
                items = []
            for obj in items:
                m = by_ns.get(obj["metadata"]["namespace"])
                if m is None or obj["metadata"]["name"] != CLUSTER:
                    continue
                if m.ready_at is None and is_true(obj, "Ready"):
                    m.ready_at = now
                if m.available_at is None and is_true(obj, "Available"):
                    m.available_at = now
            ready = sum(m.ready_at is not None for m in self.members)
            progress.show(
                f"Clusters Ready {bar(ready, len(self.members))}  {now - first_apply:6.1f}s"
            )
            if ready == len(self.members):
                progress.done()
                return True
            if now > deadline:
                progress.done()
                return False
            time.sleep(self.args.poll)

    def idle(self, seconds: float, what: str) -> None:
        """Wait without touching the API server, watching the operator's memory."""
        progress = Progress()
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.check_alive()
            progress.show(f"{what}: {left:5.0f}s left")
            time.sleep(min(1.0, left))
        progress.done()

    def store_down(self) -> dict[str, Any]:
        """Stop one store's heartbeats in the simulator; time until its TiKV says Down."""
        m = self.members[0]
        stores = httpx.get(f"{m.pd_url}/pd/api/v1/stores", timeout=10).json().get("stores")
        up = [s["store"] for s in stores or () if s["store"].get("state_name") == "Up"]
        if not up:
            raise BenchError(f"{m.key}: the simulator has no Up store")
        store = max(up, key=lambda s: int(s["id"]))
        address, store_id = store["address"], str(store["id"])
        tikvs = self._get(f"/apis/{GROUP}/v1alpha1/namespaces/{m.namespace}/tikvs")["items"]
        owner = next((t for t in tikvs if str((t.get("status") or {}).get("id")) == store_id), None)
        name = owner["metadata"]["name"] if owner else address.split(".")[0]
        obj_path = f"/apis/{GROUP}/v1alpha1/namespaces/{m.namespace}/tikvs/{name}"
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


# ---- figures ----------------------------------------------------------------------------


def window(a: Sample, b: Sample, clusters: Sequence[str]) -> dict[str, Any]:
    """Every figure of the operator's activity between two samples."""
    seconds = b.at - a.at
    d = b.operator.minus(a.operator)
    out: dict[str, Any] = {"seconds": rnd(seconds, 1)}

    # API requests by the operator.
    rest = d.select("rest_client_requests_total")
    by_method = promtext.group(rest, lambda lb: lb.get("method", "?"))
    by_method_code = promtext.group(rest, lambda lb: f"{lb.get('method')} {lb.get('code')}")
    reads = sum(v for k, v in by_method.items() if k == "GET")
    writes = sum(v for k, v in by_method.items() if k in WRITE_METHODS)
    out["api"] = {
        "by_method": {k: _count(v, seconds) for k, v in sorted(by_method.items()) if v},
        "by_method_code": {k: _count(v, seconds) for k, v in sorted(by_method_code.items()) if v},
        "reads": _count(reads, seconds),
        "writes": _count(writes, seconds),
        "writes_per_cluster_per_min": rnd(per_min(writes, seconds) / max(1, len(clusters)), 3),
    }

    # PD requests by the operator.
    pd = d.select("tikv_operator_pd_requests_total")
    out["pd"] = _pd_figures(
        [
            (lb.get("cluster", "?"), lb.get("api") or lb.get("path") or "?", lb.get("code", "?"), v)
            for lb, v in ((dict(k), v) for k, v in pd.items())
            if v
        ],
        seconds,
        clusters,
    )

    # The same, as the simulator counted them.
    if a.sim is not None and b.sim is not None:
        rows = []
        for cluster, sim_counts in b.sim.items():
            before = a.sim.get(cluster, {})
            for (method, route, code), v in sim_counts.items():
                delta = v - before.get((method, route, code), 0)
                if delta:
                    route = route.removeprefix("/pd/api/v1")
                    rows.append((cluster, f"{method} {route}", str(code), delta))
        out["pd_sim"] = _pd_figures(rows, seconds, clusters)

    # Reconciles.
    total = d.select("controller_runtime_reconcile_total")
    errors = d.select("controller_runtime_reconcile_errors_total")
    buckets = d.select("controller_runtime_reconcile_time_seconds_bucket")
    sums = d.select("controller_runtime_reconcile_time_seconds_sum")
    counts = d.select("controller_runtime_reconcile_time_seconds_count")
    controllers = sorted(
        {dict(k).get("controller", "?") for k in total}
        | {dict(k).get("controller", "?") for k in counts}
    )
    reconciles: dict[str, Any] = {}
    for c in controllers:
        n = sum(v for k, v in total.items() if dict(k).get("controller") == c)
        by_result = promtext.group(
            {k: v for k, v in total.items() if dict(k).get("controller") == c},
            lambda lb: lb.get("result", "?"),
        )
        hist = promtext.buckets_of(buckets, controller=c)
        count = sum(v for k, v in counts.items() if dict(k).get("controller") == c)
        total_time = sum(v for k, v in sums.items() if dict(k).get("controller") == c)
        p50 = promtext.histogram_quantile(0.5, hist)
        p99 = promtext.histogram_quantile(0.99, hist)
        reconciles[c] = {
            "count": n,
            "per_min": rnd(per_min(n, seconds)),
            "by_result": {k: v for k, v in sorted(by_result.items()) if v},
            "errors": sum(v for k, v in errors.items() if dict(k).get("controller") == c),
            "p50_ms": rnd(p50 * 1000 if p50 is not None else None, 1),
            "p99_ms": rnd(p99 * 1000 if p99 is not None else None, 1),
            "mean_ms": rnd(total_time / count * 1000, 1) if count else None,
            "busy_seconds": rnd(total_time),
        }
    out["reconcile"] = reconciles
    adds = promtext.group(d.select("workqueue_adds_total"), lambda lb: lb.get("name", "?"))
    retries = promtext.group(d.select("workqueue_retries_total"), lambda lb: lb.get("name", "?"))
    out["workqueue"] = {
        k: {
            "adds_per_min": rnd(per_min(v, seconds)),
            "retries_per_min": rnd(per_min(retries.get(k, 0.0), seconds)),
        }
        for k, v in sorted(adds.items())
    }

    cpu = b.cpu - a.cpu
    out["operator_cpu"] = {"seconds": rnd(cpu), "percent_of_one_core": rnd(100 * cpu / seconds, 1)}

    # The API server's own count (steady window only).
    if a.apiserver is not None and b.apiserver is not None:
        api = b.apiserver.minus(a.apiserver).select("apiserver_request_total")
        rows_api: dict[str, float] = {}
        for k, v in api.items():
            lb = dict(k)
            if not v or not lb.get("resource") or lb.get("verb") == "WATCH":
                continue
            resource = lb["resource"] + (f"/{lb['subresource']}" if lb.get("subresource") else "")
            group_name = lb.get("group") or "core"
            key = f"{lb.get('verb')} {group_name}/{resource}"
            rows_api[key] = rows_api.get(key, 0.0) + v
        ours = {k: v for k, v in rows_api.items() if f" {GROUP}/" in k}
        out["apiserver"] = {
            "note": f"all clients: {GROUP} writes come only from the operator here (the bench "
            "is silent in this window), but reads also come from kube-controller-manager "
            "(its garbage collector watches every resource); other rows include kwok, the "
            "scheduler and the simulator's Pod followers",
            "tikv_kinds": {k: _count(v, seconds) for k, v in sorted(ours.items())},
            "all_writes": {
                k: _count(v, seconds)
                for k, v in sorted(rows_api.items())
                if k.split()[0] in ("POST", "PUT", "PATCH", "DELETE", "APPLY", "CREATE", "UPDATE")
            },
        }
    return out


def _count(value: float, seconds: float) -> dict[str, float | None]:
    return {"count": value, "per_min": rnd(per_min(value, seconds))}


def _pd_figures(
    rows: list[tuple[str, str, str, float]], seconds: float, clusters: Sequence[str]
) -> dict[str, Any]:
    """rows: (cluster, api, code, count)."""
    n = max(1, len(clusters))
    per_cluster: dict[str, dict[str, float]] = {
        c: {"total": 0.0, "4xx": 0.0, "5xx": 0.0, "error": 0.0} for c in clusters
    }
    by_api: dict[str, dict[str, float]] = {}
    for cluster, api, code, v in rows:
        pc = per_cluster.setdefault(cluster, {"total": 0.0, "4xx": 0.0, "5xx": 0.0, "error": 0.0})
        pc["total"] += v
        klass = code[0] + "xx" if code[:1] in ("4", "5") else ("error" if code == "error" else "")
        if klass:
            pc[klass] += v
        codes = by_api.setdefault(api, {})
        codes[code] = codes.get(code, 0.0) + v
    total = sum(p["total"] for p in per_cluster.values())
    bad4 = sum(p["4xx"] for p in per_cluster.values())
    bad5 = sum(p["5xx"] for p in per_cluster.values())
    errs = sum(p["error"] for p in per_cluster.values())
    return {
        "total": total,
        "per_cluster_per_min": rnd(per_min(total, seconds) / n),
        "4xx": bad4,
        "5xx": bad5,
        "transport_errors": errs,
        "4xx_per_cluster_per_min": rnd(per_min(bad4, seconds) / n),
        "5xx_per_cluster_per_min": rnd(per_min(bad5, seconds) / n),
        "by_api_per_cluster_per_min": {
            api: {
                "per_min": rnd(per_min(sum(codes.values()), seconds) / n),
                "codes": {c: rnd(per_min(v, seconds) / n) for c, v in sorted(codes.items())},
            }
            for api, codes in sorted(by_api.items(), key=lambda kv: -sum(kv[1].values()))
        },
        "clusters": {
            c: {k: rnd(per_min(v, seconds)) for k, v in p.items()}
            for c, p in sorted(per_cluster.items())
        },
    }


def ready_figures(members: Sequence[Member], first_apply: float) -> dict[str, Any]:
    def rel(t: float | None, since: float) -> float | None:
        return rnd(t - since) if t is not None else None

    times = [m.ready_at - m.applied_at for m in members if m.ready_at is not None]
    last = max((m.ready_at for m in members if m.ready_at is not None), default=None)
    timeline = sorted(rel(m.ready_at, first_apply) or 0.0 for m in members if m.ready_at)
    return {
        "all_ready": len(times) == len(members),
        "ready": len(times),
        "clusters": len(members),
        "first_s": rnd(min(times)) if times else None,
        "median_s": rnd(statistics.median(times)) if times else None,
        "last_s": rnd(max(times)) if times else None,
        "last_over_median": rnd(max(times) / statistics.median(times)) if times else None,
        "fleet_s": rel(last, first_apply),
        "ready_timeline_s": timeline,
        "per_cluster": [
            {
                "cluster": m.key,
                "applied_s": rel(m.applied_at, first_apply),
                "ready_s": rel(m.ready_at, m.applied_at),
                "available_s": rel(m.available_at, m.applied_at),
            }
            for m in members
        ],
    }


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_1m_at_start": os.getloadavg()[0],
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_mb"] = int(line.split()[1]) // 1024
    return info


def git_revision() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "subject": git("log", "-1", "--format=%s"),
        # The operator's own code: what a before/after comparison is about.
        "operator_code_commit": git("log", "-1", "--format=%H", "--", *OPERATOR_CODE),
        "dirty": bool(git("status", "--porcelain", "--", *OPERATOR_CODE)),
    }


# ---- the table --------------------------------------------------------------------------


def print_report(result: dict[str, Any], out: Callable[[str], None] = print) -> None:
    cfg = result["config"]
    out("")
    out(
        f"fleet bench: {cfg['clusters']} cluster(s) x ({cfg['pd']} PD + {cfg['tikv']} TiKV), "
        f"PD simulated ({cfg['sim']}), leader election {'on' if cfg['leader_elect'] else 'off'}, "
        f"pd-poll-interval {cfg['pd_poll_interval'] or 'default'}"
    )
    rev = result["revision"]
    code = rev.get("operator_code_commit") or rev["commit"]
    out(
        f"operator code at {code[:10]} ({rev['branch']}{', dirty' if rev['dirty'] else ''})"
        f" on {result['machine']['cpus']} CPUs, {result['machine'].get('cpu_model', '?')}"
    )
    r = result["ready"]
    out("")
    out(
        f"time to Ready ({r['ready']}/{r['clusters']} Ready): first {r['first_s']}s, "
        f"median {r['median_s']}s, last {r['last_s']}s; whole fleet {r['fleet_s']}s "
        f"after the first apply"
    )
    op = result["operator"]
    out(
        f"operator: CPU {op['cpu_seconds_total']}s in all (convergence "
        f"{result['convergence']['operator_cpu']['seconds']}s, steady "
        f"{result['steady']['operator_cpu']['percent_of_one_core']}% of a core); "
        f"peak RSS {op['peak_rss_mb']} MB, RSS at end {op['rss_end_mb']} MB; "
        f"/metrics scrape {op['metrics_scrape_ms']} ms"
    )
    for phase in ("convergence", "steady"):
        w = result[phase]
        out("")
        out(f"== {phase} ({w['seconds']} s) ==")
        api = w["api"]
        out(
            f"API requests by the operator: reads {api['reads']['per_min']}/min, writes "
            f"{api['writes']['per_min']}/min ({api['writes_per_cluster_per_min']}/cluster/min)"
        )
        for k, v in api["by_method_code"].items():
            out(f"    {k:<16} {v['count']:>8.0f}  {v['per_min']:>9.2f}/min")
        if "apiserver" in w:
            out("  API server's count on core.tikv.org, all clients (verb resource):")
            for k, v in w["apiserver"]["tikv_kinds"].items():
                out(f"    {k:<48} {v['count']:>6.0f}  {v['per_min']:>8.2f}/min")
        for key, title in (("pd", "operator's count"), ("pd_sim", "simulator's count")):
            if key not in w:
                continue
            pd = w[key]
            out(
                f"PD requests ({title}): {pd['total']:.0f}, "
                f"{pd['per_cluster_per_min']}/cluster/min; "
                f"4xx {pd['4xx']:.0f} ({pd['4xx_per_cluster_per_min']}/cluster/min), "
                f"5xx {pd['5xx']:.0f} ({pd['5xx_per_cluster_per_min']}/cluster/min), "
                f"transport errors {pd['transport_errors']:.0f}"
            )
            for api_name, v in pd["by_api_per_cluster_per_min"].items():
                codes = " ".join(f"{c}:{n}" for c, n in v["codes"].items())
                out(f"    {api_name:<48} {v['per_min']:>7.2f}/cluster/min  [{codes}]")
        out("reconciles:      count    per min     p50 ms    p99 ms   mean ms  results")
        for c, v in w["reconcile"].items():
            results = " ".join(f"{k}={n:.0f}" for k, n in v["by_result"].items())
            out(
                f"    {c:<10} {v['count']:>7.0f} {v['per_min']:>10} "
                f"{_ms(v['p50_ms'])} {_ms(v['p99_ms'])} "
                f"{_ms(v['mean_ms'])}  {results}"
            )
    sd = result.get("store_down")
    if sd:
        out("")
        out(f"== store down ({sd['cluster']} store {sd['store_id']}, TiKV {sd['tikv']}) ==")
        out(
            f"after the store's heartbeats stopped (simulator max-store-down-time "
            f"{sd['max_store_down_time_s']}s):"
        )
        out(
            f"    simulator   Disconnected {_s(sd['sim_disconnected_after_stop_s'])}  "
            f"Down {_s(sd['sim_down_after_stop_s'])}"
        )
        out(
            f"    TiKV object stateName=Disconnected {_s(sd['status_disconnected_after_stop_s'])}  "
            f"Ready!=True {_s(sd['ready_not_true_after_stop_s'])}  "
            f"stateName=Down {_s(sd['status_down_after_stop_s'])}"
        )
        out(
            f"    simulator Down -> TiKV stateName=Down: {_s(sd['status_down_after_sim_down_s'])}"
            f" (a condition says Down: {_s(sd['condition_mentions_down_after_sim_down_s'])}); "
            f"simulator Disconnected -> Ready!=True: "
            f"{_s(sd['ready_not_true_after_sim_disconnected_s'])}"
        )
        if sd["store_reconnected_in_sim"]:
            out("WARNING: the store reconnected in the simulator during the measurement")
    out("")
    out(f"written to {result['out']}")


def _s(v: float | None) -> str:
    return f"{v}s" if v is not None else "not seen"


def _ms(v: float | None) -> str:
    return f"{v:>9.1f}" if v is not None else f"{'-':>9}"


# ---- main -------------------------------------------------------------------------------


def default_out(clusters: int) -> Path:
    base = REPO / "bench" / "results" / f"{dt.date.today().isoformat()}-{clusters}"
    path, n = base.with_suffix(".json"), 2
    while path.exists():
        path = Path(f"{base}-{n}.json")
        n += 1
    return path


def run(args: argparse.Namespace) -> int:
    out_path: Path = args.out or default_out(args.clusters)
    # Absolute: the kubeconfig names its CA file by a path the components resolve themselves.
    workdir: Path = args.workdir.resolve()
    bench = Bench(args, workdir)
    result: dict[str, Any] = {
        "config": {
            "clusters": args.clusters,
            "pd": args.pd,
            "tikv": args.tikv,
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
        "machine": machine(),
        "revision": git_revision(),
    }
    try:
        bench.start()
        assert bench.operator is not None
        result["operator_argv"] = bench.operator_argv
        base = bench.sample()
        first_apply = bench.apply_fleet()
        all_ready = bench.wait_ready(first_apply)
        converged = bench.sample()
        result["ready"] = ready_figures(bench.members, first_apply)
        keys = [m.key for m in bench.members]
        result["convergence"] = window(base, converged, keys)
        if not all_ready:
            log("not every Cluster became Ready in time; measuring the steady window anyway")
            assert bench.cluster is not None
            log(f"Clusters:\n{bench.cluster.kubectl('get', 'tc', '-A', check=False).stdout}")
        if args.settle > 0:
            bench.idle(args.settle, "settling")
        start = bench.sample(apiserver=True)
        bench.idle(args.steady, "steady window")
        end = bench.sample(apiserver=True)
        result["steady"] = window(start, end, keys)
        mem = memory_mb(bench.operator.pid)
        result["operator"] = {
            "pid": bench.operator.pid,
            "cpu_seconds_total": rnd(end.cpu),
            "peak_rss_mb": rnd(mem.get("VmHWM"), 1),
            "rss_end_mb": rnd(mem.get("VmRSS"), 1),
            "metrics_scrape_ms": rnd(end.scrape_ms, 1),
        }
        if args.store_down:
            result["store_down"] = bench.store_down()
            mem = memory_mb(bench.operator.pid)
            result["operator"]["peak_rss_mb"] = rnd(mem.get("VmHWM"), 1)
            result["operator"]["cpu_seconds_total"] = rnd(cpu_seconds(bench.operator.pid))
        result["machine"]["loadavg_1m_at_end"] = os.getloadavg()[0]
        result["out"] = str(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(result, indent=2) + "\n")
        print_report(result)
        return 0 if all_ready else 2
    finally:
        log("stopping everything the bench started")
        bench.stop()
        if not args.keep_workdir and "out" in result:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"logs kept in {workdir / 'logs'}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.fleet",
        description=(__doc__ or "").split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--clusters",
        type=int,
        default=int(os.environ.get("BENCH_CLUSTERS", "5")),
        help="clusters in the fleet (env BENCH_CLUSTERS)",
    )
    p.add_argument("--pd", type=int, default=3, help="PD replicas per cluster")
    p.add_argument("--tikv", type=int, default=3, help="TiKV replicas per cluster")
    p.add_argument("--steady", type=float, default=60.0, help="steady-state window, seconds")
    p.add_argument(
        "--settle", type=float, default=20.0, help="seconds between all Ready and the steady window"
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
        help="run the operator with leader election",
    )
    p.add_argument(
        "--pd-poll-interval",
        default=None,
        help="passed to the operator (default: the operator's default)",
    )
    p.add_argument("--log-format", default="json", choices=("json", "console"))
    p.add_argument(
        "--operator-arg",
        action="append",
        metavar="ARG",
        help="extra argument for `tikv-operator run` (repeatable)",
    )
    p.add_argument("--nodes", type=int, default=0, help="kwok nodes (default: by pod count)")
    p.add_argument(
        "--ready-timeout",
        type=float,
        default=None,
        help="seconds from the first apply (default 180 + 20 per cluster)",
    )
    p.add_argument(
        "--poll", type=float, default=0.5, help="seconds between Cluster lists while converging"
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
