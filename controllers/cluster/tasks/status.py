"""Aggregate and write the Cluster's status (only when it changed)."""

from __future__ import annotations

from typing import Any

from apis import conditions as cond
from controllers.cluster import build
from controllers.cluster.consistency import examine, instance_ids
from controllers.cluster.context import ClusterContext
from controllers.common.clusterstate import is_compute_suspended, is_paused
from controllers.common.pdview import PD_PENDING
from controllers.common.runner import Complete, TaskResult
from tikv_operator.kube import resources


def _conditions_json(ctx: ClusterContext) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in ctx.conditions]


async def write_status(ctx: ClusterContext, extra: dict[str, Any] | None = None) -> bool:
    """Merge-patch the status when it differs from what is stored; True if written."""
    cluster = ctx.cluster
    status: dict[str, Any] = {
        "observedGeneration": cluster.metadata.generation,
        "conditions": _conditions_json(ctx),
        **(extra or {}),
    }
    stored = (ctx.raw or {}).get("status") or {}
    if all(stored.get(k) == v for k, v in status.items()):
        return False
    await ctx.deps.client.patch_status(
        resources.CLUSTER, ctx.name, {"status": status}, ctx.namespace
    )
    return True


def set_conditions(ctx: ClusterContext) -> None:
    """Every condition but Blocked, which the brake and deletion tasks own."""
    cluster = ctx.cluster
    secret = ctx.client_secret
    available = build.available(
        ctx.pd_info,
        ctx.pd_error,
        bool(ctx.pd_groups),
        ctx.pd_no_leader,
        secret.describe() if secret is not None and secret.problem is not None else None,
    )
    ctx.set(cond.AVAILABLE, available)
    ctx.set(cond.READY, build.ready(ctx.pd_groups, ctx.tikv_groups, available.status == "True"))
    ctx.set(
        cond.SYNCED,
        build.synced(ctx.pd_groups, ctx.tikv_groups, ctx.invalid, ctx.group_secret_problems),
    )
    ctx.set(cond.PROGRESSING, build.progressing(ctx.pd_groups, ctx.tikv_groups, is_paused(cluster)))
    ctx.set(cond.SUSPENDED, build.suspended(is_compute_suspended(cluster), len(ctx.pods)))
    differences = None
    gone: list[int] = []
    if ctx.pd_info is not None:
        ids = instance_ids(ctx.pds, ctx.tikvs)
        findings = examine(ctx.pd_info, ctx.instances(), ids, ctx.recorded_id)
        differences, gone = findings.differences, findings.tombstones
    ctx.set(cond.CONSISTENT, build.consistent(differences, gone))


async def update_status(ctx: ClusterContext) -> TaskResult:
    if ctx.pd_state.pending:
        return Complete(f"kept: {PD_PENDING}")
    set_conditions(ctx)
    extra = {
        "pd": build.pd_url(ctx.namespace, ctx.pd_groups, ctx.cluster.spec.tls_cluster.enabled),
        "id": ctx.recorded_id,
        "components": [
            c.model_dump(mode="json", by_alias=True)
            for c in build.components(ctx.pd_groups, ctx.tikv_groups)
        ],
        "version": build.version(ctx.pd_groups, ctx.tikv_groups),
    }
    written = await write_status(ctx, extra)
    return Complete("written" if written else "unchanged")
