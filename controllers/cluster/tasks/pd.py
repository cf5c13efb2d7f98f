"""Watch the cluster's PD (start its poller once the URL is known) and read its view;
record PD's cluster id at first contact (identity fencing)."""

from __future__ import annotations

from controllers.cluster import reasons
from controllers.cluster.brake import may_record_id
from controllers.cluster.build import pd_url as service_url
from controllers.cluster.context import ClusterContext
from controllers.cluster.pdinfo import pd_info_of
from controllers.common.pdview import pd_url, read_pd
from controllers.common.runner import Complete, TaskResult
from tikv_operator.pdapi import NoLeader


async def watch_pd(ctx: ClusterContext) -> TaskResult:
    """PD being unreachable is a state to report, not a failure of the reconcile: the
    status task says so, and nothing here is destructive."""
    tls = ctx.cluster.spec.tls_cluster.enabled
    service = service_url(ctx.namespace, ctx.pd_groups, tls)
    url = pd_url(ctx.deps, ctx.namespace, ctx.name, service)
    if url is None:
        await ctx.deps.pd.remove(ctx.key)
        return Complete("no PDGroup yet")
    secret = ctx.client_secret
    if secret is not None and secret.tls is None:
        # Never fall back to plain HTTP or to an unverified server: PD is not asked at all.
        await ctx.deps.pd.remove(ctx.key)
        return Complete(f"PD not asked: {secret.describe()}")
    await ctx.deps.pd.ensure(ctx.key, url, secret.tls if secret is not None else None)
    state = ctx.pd_state = read_pd(ctx.deps, ctx.cluster)
    if state.snapshot is None:
        last = state.poller.snapshot if state.poller is not None else None
        ctx.pd_no_leader = last is not None and isinstance(last.error, NoLeader)
        return Complete(f"PD unavailable: {state.unavailable}")
    info = ctx.pd_info = pd_info_of(state.snapshot)
    return Complete(
        f"id {info.cluster_id}, leader {info.leader}, {len(info.members)} members, "
        f"{info.up_stores} stores Up"
    )


async def record_cluster_id(ctx: ClusterContext) -> TaskResult:
    info = ctx.pd_info
    if info is None or ctx.recorded_id is not None:
        return Complete()
    if not may_record_id(info, ctx.instances()):
        return Complete("not recording PD's id: its members are not (all) ours yet")
    ctx.recorded_id = str(info.cluster_id)
    ctx.event(
        "Normal",
        reasons.PD_CLUSTER_ID_RECORDED,
        "RecordClusterID",
        f"PD cluster id {info.cluster_id} recorded; a PD answering with another id is "
        "never acted upon",
    )
    return Complete(f"recorded cluster id {info.cluster_id}")
