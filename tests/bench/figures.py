"""The fleet bench's arithmetic: what happened between two samples of the operator's
/metrics (requests, reconciles, CPU), and when the clusters reached a milestone.

Pure functions over what the bench sampled; nothing here talks to a process.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.bench import promtext

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
OURS = "core.tikv.org"


def per_min(count: float, seconds: float) -> float:
    return count * 60.0 / seconds if seconds > 0 else 0.0


def rnd(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class Sample:
    """Everything read at one instant, for deltas between instants."""

    at: float
    operator: promtext.Snapshot
    cpu: float
    sim: dict[str, dict[tuple[str, str, int], float]] | None
    apiserver: promtext.Snapshot | None = None
    scrape_ms: float = 0.0


def window(a: Sample, b: Sample, clusters: Sequence[str], group: str = OURS) -> dict[str, Any]:
    """Every figure of the operator's activity between two samples (`group`: the API group
    of the operator's kinds, for the API server's own count)."""
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
    out["reconcile_total"] = reconcile_total(reconciles, seconds)
    # What a reconcile waits on: the API server's and PD's answers (both operators export
    # the first; only ours the second).
    out["api_latency"] = latency(d, "rest_client_request_duration_seconds", "verb")
    out["pd_latency"] = latency(d, "tikv_operator_pd_request_duration_seconds", "api")
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
        ours = {k: v for k, v in rows_api.items() if f" {group}/" in k}
        # The server's own time for the operator's kinds: what our client's answer time
        # holds beyond it is spent in the operator's process (its event loop) or the network.
        served = b.apiserver.minus(a.apiserver)
        out["apiserver_latency"] = latency(
            promtext.Snapshot(
                {
                    k: v
                    for k, v in served.samples.items()
                    # A watch lasts as long as the server lets it: not an answer time.
                    if dict(k[1]).get("group") == group and dict(k[1]).get("verb") != "WATCH"
                }
            ),
            "apiserver_request_duration_seconds",
            "verb",
        )
        out["apiserver"] = {
            "note": f"all clients: {group} writes come only from the operator here (the bench "
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


def latency(d: promtext.Snapshot, family: str, label: str) -> dict[str, Any]:
    """p50/p99 in ms of a latency histogram's delta, in all and by `label`."""
    buckets = d.select(f"{family}_bucket")
    values = sorted({dict(k).get(label, "?") for k in buckets})

    def quantiles(**match: str) -> dict[str, Any]:
        hist = promtext.buckets_of(buckets, **match)
        count = max(hist.values(), default=0.0)
        p50 = promtext.histogram_quantile(0.5, hist)
        p99 = promtext.histogram_quantile(0.99, hist)
        return {
            "count": count,
            "p50_ms": rnd(p50 * 1000 if p50 is not None else None, 1),
            "p99_ms": rnd(p99 * 1000 if p99 is not None else None, 1),
        }

    out = {"all": quantiles()}
    out.update({v: quantiles(**{label: v}) for v in values})
    return {k: v for k, v in out.items() if v["count"]}


def reconcile_total(by_controller: dict[str, Any], seconds: float) -> dict[str, Any]:
    """All controllers together, and the worst p99 of any controller that reconciled."""
    count = sum(v["count"] for v in by_controller.values())
    p99s = [v["p99_ms"] for v in by_controller.values() if v["count"] and v["p99_ms"] is not None]
    worst = max(p99s, default=None)
    return {
        "count": count,
        "per_min": rnd(per_min(count, seconds)),
        "worst_p99_ms": worst,
        "worst_p99_controller": next(
            (c for c, v in by_controller.items() if v["count"] and v["p99_ms"] == worst), None
        ),
    }


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


def milestone(times: dict[str, tuple[float, float | None]], origin: float) -> dict[str, Any]:
    """How long each cluster took to reach a milestone: `times` maps a cluster to (when it
    started, when it got there or None); `origin` is when the first one started."""
    took = {k: b - a for k, (a, b) in times.items() if b is not None}
    reached = [b for _, b in times.values() if b is not None]
    values = list(took.values())
    median = statistics.median(values) if values else None
    return {
        "reached": len(values),
        "clusters": len(times),
        "ready_fraction": rnd(len(values) / len(times), 3) if times else None,
        "all": len(values) == len(times),
        "first_s": rnd(min(values)) if values else None,
        "median_s": rnd(median),
        "last_s": rnd(max(values)) if values else None,
        "last_over_median": rnd(max(values) / median) if values and median else None,
        "fleet_s": rnd(max(reached) - origin) if reached else None,
    }
