"""Deleting a Cluster: held while deleteProtection is set, then TiKV groups, then PD groups.

TiKV goes first so that no store is left without the PD it reports to; there is nowhere to
move data when the whole cluster goes, so the group controllers delete their instances
straight away (they see the Cluster being deleted) and PVCs follow pvcRetentionPolicy.
"""

from __future__ import annotations

from collections.abc import Sequence

from apis import PDGroup, TiKVGroup
from apis import conditions as cond
from controllers.cluster import reasons
from controllers.cluster.build import Verdict
from controllers.cluster.context import ClusterContext
from controllers.cluster.tasks.status import write_status
from controllers.cluster.tasks.tls import forget_expiry
from controllers.common import finalizer
from controllers.common.clusterstate import is_paused
from controllers.common.conditions import find
from controllers.common.load import on_deletion
from controllers.common.runner import Branch, Complete, TaskResult, Wait, task
from tikv_operator.kube import resources
from tikv_operator.kube.resources import ResourceKind

PROTECTED_MESSAGE = (
    "the Cluster is being deleted but spec.deleteProtection is true; nothing is deleted "
    "until it is set to false"
)


async def hold_while_protected(ctx: ClusterContext) -> TaskResult:
    cluster = ctx.cluster
    blocked = find(ctx.conditions, cond.BLOCKED)
    if cluster.spec.delete_protection:
        if blocked is None or blocked.reason != reasons.DELETE_PROTECTED:
            ctx.event("Warning", reasons.DELETE_PROTECTED, "Delete", PROTECTED_MESSAGE)
        ctx.set(cond.BLOCKED, Verdict("True", reasons.DELETE_PROTECTED, PROTECTED_MESSAGE))
        await write_status(ctx)
        return Wait("deleteProtection holds the deletion")
    if blocked is not None and blocked.reason == reasons.DELETE_PROTECTED:
        ctx.set(cond.BLOCKED, Verdict("False", reasons.NOT_BLOCKED, "deletion proceeds"))
        await write_status(ctx)
    return Complete()


async def wait_if_paused(ctx: ClusterContext) -> TaskResult:
    if is_paused(ctx.cluster):
        return Wait("the Cluster is paused; its deletion resumes when spec.paused is cleared")
    return Complete()


async def _delete_groups(
    ctx: ClusterContext,
    kind: ResourceKind,
    groups: Sequence[PDGroup | TiKVGroup],
    reason: str,
) -> TaskResult:
    if not groups:
        return Complete(f"no {kind.kind}s left")
    pending = [g for g in groups if g.metadata.deletion_timestamp is None]
    for group in pending:
        # The uid precondition makes sure a group recreated under the same name in the
        # meantime is not the one deleted.
        await ctx.deps.client.delete(
            kind, str(group.metadata.name), ctx.namespace, uid=group.metadata.uid
        )
    if pending:
        names = ", ".join(str(g.metadata.name) for g in pending)
        ctx.event(
            "Normal", reason, "Delete", f"deleting {kind.kind} {names} of the deleted Cluster"
        )
    names = ", ".join(str(g.metadata.name) for g in groups)
    return Wait(f"waiting for {kind.kind} {names} to be gone")


async def delete_tikv_groups(ctx: ClusterContext) -> TaskResult:
    return await _delete_groups(
        ctx, resources.TIKVGROUP, ctx.tikv_groups, reasons.DELETING_TIKV_GROUPS
    )


async def delete_pd_groups(ctx: ClusterContext) -> TaskResult:
    return await _delete_groups(ctx, resources.PDGROUP, ctx.pd_groups, reasons.DELETING_PD_GROUPS)


async def drop_finalizer(ctx: ClusterContext) -> TaskResult:
    await finalizer.remove_finalizer(ctx.deps.client, resources.CLUSTER, ctx.cluster)
    forget_expiry(ctx.namespace, ctx.name)
    ctx.event("Normal", reasons.CLUSTER_DELETED, "Delete", "every group is gone; Cluster released")
    return Complete()


ON_DELETION: Branch[ClusterContext] = on_deletion(
    task("delete-protection", hold_while_protected),
    task("paused", wait_if_paused),
    task("delete-tikv-groups", delete_tikv_groups),
    task("delete-pd-groups", delete_pd_groups),
    task("finalizer", drop_finalizer),
)
