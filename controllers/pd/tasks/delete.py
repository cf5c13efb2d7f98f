"""Deleting a PD instance: leave PD membership safely, then remove the Pod, the PVCs per
the retention policy, and the finalizer."""

from __future__ import annotations

from controllers.common.finalizer import drop_finalizer
from controllers.common.load import on_deletion
from controllers.common.pods import delete_pod
from controllers.common.pvc import delete_pvcs, release_pvcs
from controllers.common.runner import Branch, Complete, Retry, TaskResult, task
from controllers.common.safety import UnsafeToProceed
from controllers.pd import reasons
from controllers.pd.context import PDContext
from controllers.pd.tasks.guard import guard_leftovers
from controllers.pd.tasks.takedown import hold_before_taking_down, refused
from tikv_operator.kube import cache, resources
from tikv_operator.pdapi import NotFound, PDError

PD_RETRY = 5.0


async def leave_membership(ctx: PDContext) -> TaskResult:
    if ctx.cluster_deleting:
        return Complete("the Cluster is being deleted; PD membership goes with it")
    if ctx.view is None:
        return Retry(
            PD_RETRY,
            f"PD cannot be asked ({ctx.pd_error}); the member is removed only once PD "
            "confirms the rest keep a quorum",
        )
    if not ctx.is_member:
        return Complete("not a PD member")
    hold = await hold_before_taking_down(
        ctx, "removed", "DeleteMember", reasons.MEMBER_DELETE_BLOCKED
    )
    if hold is not None:
        return hold
    try:
        await ctx.pd_writer().delete_member_by_name(ctx.name)
    except NotFound:
        return Complete("PD no longer lists the member")
    except PDError as error:
        return Retry(PD_RETRY, f"deleting the PD member failed: {error}")
    ctx.event("Normal", reasons.MEMBER_DELETED, "DeleteMember", f"{ctx.name} left PD")
    return Complete("member deleted from PD")


async def remove_pod(ctx: PDContext) -> TaskResult:
    pod = ctx.deps.cache(resources.POD).get(ctx.key)
    if pod is None:
        return Complete("no Pod")
    try:
        await guard_leftovers(ctx)
    except UnsafeToProceed as error:
        return refused(ctx, "DeletePod", error)
    await delete_pod(ctx.deps.client, pod)
    ctx.event("Normal", reasons.POD_DELETED, "DeletePod", f"Pod {ctx.name} deleted")
    return Complete("Pod deleted")


async def delete_pvcs_per_retention(ctx: PDContext) -> TaskResult:
    policy = ctx.cluster.spec.pvc_retention_policy if ctx.loaded_cluster else "Retain"
    pvcs = ctx.deps.cache(resources.PVC).by_index(cache.BY_OWNER_UID, str(ctx.pd.metadata.uid))
    if not pvcs:
        return Complete("no PVCs")
    if policy != "Delete":
        await release_pvcs(ctx.deps.client, pvcs, str(ctx.pd.metadata.uid))
        names = ", ".join(p["metadata"]["name"] for p in pvcs)
        return Complete(f"PVCs {names} retained (released from the instance)")
    try:
        await guard_leftovers(ctx)
    except UnsafeToProceed as error:
        return refused(ctx, "DeletePVCs", error)
    await delete_pvcs(ctx.deps.client, pvcs)
    names = ", ".join(p["metadata"]["name"] for p in pvcs)
    ctx.event("Normal", reasons.PVCS_DELETED, "DeletePVCs", f"deleted PVCs {names}")
    return Complete("PVCs deleted")


ON_DELETION: Branch[PDContext] = on_deletion(
    task("leave-pd", leave_membership),
    task("delete-pod", remove_pod),
    task("delete-pvcs", delete_pvcs_per_retention),
    task("drop-finalizer", drop_finalizer),
)
"""A deleted member leaves PD (quorum kept, leadership handed over), then its Pod and PVCs
go per the retention policy."""
