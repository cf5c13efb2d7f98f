"""Deleting a TiKV instance: its store leaves PD first, then its Pod and volumes go (rule 1).

The one exception is the deletion of the whole Cluster: there is nowhere to move the data,
so nothing is offlined; Pods go and PVCs follow the retention policy.
"""

from __future__ import annotations

from apis import TiKV
from apis.names import pvc_name
from controllers.common.finalizer import remove_finalizer
from controllers.common.load import on_deletion
from controllers.common.objects import Object
from controllers.common.pods import delete_pod
from controllers.common.pvc import delete_pvcs, release_pvcs
from controllers.common.runner import Branch, Complete, Retry, TaskResult, task
from controllers.common.safety import UnsafeToProceed
from controllers.tikv import reasons
from controllers.tikv.context import Context
from controllers.tikv.decisions import is_tombstone, removal_decision
from controllers.tikv.tasks.guard import fresh_instance, guard
from controllers.tikv.tasks.offline import POLL, advance_offline
from tikv_operator.kube import resources
from tikv_operator.kube.resources import controller_owner


async def offline_before_removal(ctx: Context) -> TaskResult:
    if ctx.cluster_deleting:
        return Complete("the Cluster is being deleted: nothing is offlined")
    if ctx.view is None:
        return Complete(f"PD unavailable: {ctx.pd_error}")
    if ctx.store is None or is_tombstone(ctx.store):
        return Complete("no live store")
    step = await advance_offline(ctx, offline=True)
    return Complete(step.value if step else "")


async def remove_instance(ctx: Context) -> TaskResult:
    if ctx.cluster_deleting:
        return await _remove_with_cluster(ctx)
    decision = removal_decision(ctx.store, pd_answered=ctx.view is not None)
    if not decision.allowed:
        return Retry(POLL, decision.message)
    pd = ctx.pd_client()
    assert pd is not None and ctx.view is not None  # pd_answered above
    try:
        fresh = await guard(ctx)
    except UnsafeToProceed as e:
        if await ctx.deps.client.get_or_none(resources.TIKV, ctx.name, ctx.namespace) is None:
            # A reconcile queued behind the one that dropped the finalizer: nothing is left to
            # remove, nor any status to write.
            return Complete("already removed")
        ctx.event("Warning", reasons.EVENT_UNSAFE, "Remove", f"not removing the instance: {e}")
        return Retry(15, str(e))
    decision = removal_decision(ctx.store, pd_answered=True)  # again, on PD's fresh view
    if not decision.allowed:
        return Retry(POLL, decision.message)
    if ctx.pod is not None:
        await delete_pod(ctx.deps.client, ctx.pod)
        if ctx.store is None:
            # A TiKV that was starting may have registered just before its Pod went: look
            # at PD once more before the volumes go.
            return Retry(2, "Pod deleted; confirming with PD that no store registered")
    if ctx.store is not None and ctx.store.store.id in ctx.view.evict_leader_stores:
        await pd.end_evict_leader(ctx.store.store.id)
    await _apply_retention(ctx, fresh, ctx.cluster.spec.pvc_retention_policy)
    await remove_finalizer(ctx.deps.client, resources.TIKV, fresh)
    ctx.event("Normal", reasons.EVENT_REMOVED, "Remove", decision.message + "; instance removed")
    return Complete("removed")


async def _remove_with_cluster(ctx: Context) -> TaskResult:
    fresh = await fresh_instance(ctx)
    if ctx.pod is not None:
        await delete_pod(ctx.deps.client, ctx.pod)
    policy = (
        ctx.loaded_cluster.spec.pvc_retention_policy if ctx.loaded_cluster is not None else "Retain"
    )
    await _apply_retention(ctx, fresh, policy)
    await remove_finalizer(ctx.deps.client, resources.TIKV, fresh)
    return Complete("removed with the Cluster")


def _own_pvcs(ctx: Context, tikv: TiKV) -> list[Object]:
    cache = ctx.deps.cache(resources.PVC)
    out = []
    for volume in tikv.spec.volumes:
        pvc = cache.get(f"{ctx.namespace}/{pvc_name(volume.name, ctx.name)}")
        owner = controller_owner(pvc) if pvc is not None else None
        # A PVC of this name that another object controls is not ours to touch.
        if pvc is not None and owner is not None and owner.get("uid") == tikv.metadata.uid:
            out.append(pvc)
    return out


async def _apply_retention(ctx: Context, tikv: TiKV, policy: str) -> None:
    pvcs = _own_pvcs(ctx, tikv)
    if policy == "Delete":
        await delete_pvcs(ctx.deps.client, pvcs)
    else:
        await release_pvcs(ctx.deps.client, pvcs, str(tikv.metadata.uid))


ON_DELETION: Branch[Context] = on_deletion(
    task("offline-before-removal", offline_before_removal),
    task("remove", remove_instance),
)
"""A deleted instance's store leaves PD first (Tombstone), then its Pod and volumes go."""
