"""Ask PD about the cluster; record its cluster id at first contact (identity fencing)."""

from __future__ import annotations

from controllers.cluster import reasons
from controllers.cluster.brake import may_record_id
from controllers.cluster.build import pd_url
from controllers.cluster.context import ClusterContext
from controllers.cluster.pdinfo import read_pd_info
from controllers.common.runner import Complete, TaskResult
from tikv_operator.pdapi import PDError


async def read_pd(ctx: ClusterContext) -> TaskResult:
    """PD being unreachable is a state to report, not a failure of the reconcile: the
    status task says so, and nothing here is destructive."""
    url = pd_url(ctx.namespace, ctx.pd_groups)
    if url is None:
        return Complete("no PDGroup yet")
    client = ctx.deps.pd.get(ctx.namespace, ctx.name, url)
    try:
        ctx.pd_info = await read_pd_info(client)
    except PDError as e:
        ctx.pd_error = e
        return Complete(f"PD unreachable: {e}")
    info = ctx.pd_info
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
        False,
        reasons.PD_CLUSTER_ID_RECORDED,
        "RecordClusterID",
        f"PD cluster id {info.cluster_id} recorded; a PD answering with another id is "
        "never acted upon",
    )
    return Complete(f"recorded cluster id {info.cluster_id}")
