"""The fleet bench's printed tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def print_run(
    result: dict[str, Any], header: dict[str, Any], out: Callable[[str], None] = print
) -> None:
    """One operator's run (`header`: the machine and revision the figures came from)."""
    cfg = result["config"]
    out("")
    out(
        f"== {result['subject']}: {cfg['clusters']} cluster(s) x ({cfg['pd']} PD + "
        f"{cfg['tikv']} TiKV), PD simulated ({cfg['sim']}), leader election "
        f"{'on' if cfg['leader_elect'] else 'off'}, pd-poll-interval "
        f"{cfg['pd_poll_interval'] or 'default'} =="
    )
    rev, machine = header["revision"], header["machine"]
    code = rev.get("operator_code_commit") or rev["commit"]
    out(
        f"our code at {code[:10]} ({rev['branch']}{', dirty' if rev['dirty'] else ''})"
        f" on {machine['cpus']} CPUs, {machine.get('cpu_model', '?')}; load average "
        f"{_load(result.get('load_at_start'))} at start, {_load(result.get('load_at_end'))} at end"
    )
    r = result["ready"]
    what = "Clusters Ready" if r["by"] == "cluster" else "both groups Ready"
    out("")
    out(
        f"time to Ready ({what}, {r['reached']}/{r['clusters']}): first {r['first_s']}s, "
        f"median {r['median_s']}s, last {r['last_s']}s (last/median {r['last_over_median']}); "
        f"whole fleet {r['fleet_s']}s after the first apply"
    )
    op = result["operator"]
    out(
        f"operator: CPU {op['cpu_seconds_total']}s in all (convergence "
        f"{result['convergence']['operator_cpu']['seconds']}s, steady "
        f"{result['steady']['operator_cpu']['percent_of_one_core']}% of a core); "
        f"peak RSS {op['peak_rss_mb']} MB, RSS at end {op['rss_end_mb']} MB; "
        f"/metrics in steady state: {_metrics(op.get('metrics'))}; slowest seen while "
        f"sampling {op['metrics_scrape_ms_max']} ms"
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
            # Only ours counts its own PD requests; the simulator counts for both.
            if key not in w or (key == "pd" and result["subject"] != "tikv-operator"):
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
        for key, title in (
            ("api_latency", "API server (operator's clock)"),
            ("apiserver_latency", "API server (its own clock, operator's kinds)"),
            ("pd_latency", "PD"),
        ):
            lat = w.get(key) or {}
            if lat:
                parts = ", ".join(f"{k} {v['p50_ms']}/{v['p99_ms']}" for k, v in lat.items())
                out(f"{title} answer time p50/p99 ms: {parts}")
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
    rs = result.get("restart")
    if rs:
        out("")
        out(
            f"== restart: stopped in {rs['stop_s']}s; /metrics up {rs['metrics_up_s']}s after "
            f"start; every object ({rs['objects']}) reconciled with empty queues "
            f"{_s(rs['resync_s'])} after start =="
        )
        out(
            f"during resync: API reads {rs['api']['reads']['count']:.0f}, writes "
            f"{rs['api']['writes']['count']:.0f}; {rs['reconcile_total']['count']:.0f} reconciles,"
            f" worst p99 {rs['reconcile_total']['worst_p99_ms']} ms; CPU {rs['operator_cpu_s']}s"
        )
    sc = result.get("scale")
    if sc:
        out("")
        out(
            f"== scale every TiKVGroup {cfg['tikv']} -> {cfg['scale_to']}: {sc['reached']}/"
            f"{sc['clusters']} Ready; per cluster first {sc['first_s']}s, median "
            f"{sc['median_s']}s, last {sc['last_s']}s; whole fleet {sc['fleet_s']}s =="
        )
        out(
            f"API reads {sc['api']['reads']['count']:.0f}, writes "
            f"{sc['api']['writes']['count']:.0f}; {sc['reconcile_total']['count']:.0f} "
            f"reconciles, worst p99 {sc['reconcile_total']['worst_p99_ms']} ms"
        )


def _s(v: float | None) -> str:
    return f"{v}s" if v is not None else "not seen"


def _metrics(m: dict[str, Any] | None) -> str:
    if not m:
        return "?"
    return (
        f"median {m['wall_ms_median']} ms, fastest {m['wall_ms_min']} ms over {m['scrapes']} "
        f"scrapes, {m['cpu_ms_per_scrape']} ms of operator CPU each, {m['bytes'] // 1024} KiB"
    )


def _load(v: Any) -> str:
    return "/".join(f"{x:.2f}" for x in v) if v else "?"


def _ms(v: float | None) -> str:
    return f"{v:>9.1f}" if v is not None else f"{'-':>9}"
