"""Deleting a PDGroup: with its Cluster, every instance goes at once; on its own it is a
scale-in to zero under every safety rule. Then the finalizer goes."""

from __future__ import annotations

from controllers.common.finalizer import drop_finalizer
from controllers.common.load import on_deletion
from controllers.common.runner import Branch, Complete, TaskResult, Wait, task
from controllers.pdgroup import reasons
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.tasks.members import change_membership
from tikv_operator.kube import resources


async def remove_instances(ctx: GroupContext) -> TaskResult:
    if not ctx.instances:
        return Complete()
    if not ctx.cluster_deleting:
        result = await change_membership(ctx, 0)
        return result if not isinstance(result, Complete) else Wait("instances remain")
    # The whole cluster goes: there is no quorum to keep and nowhere to move data, so the
    # PD instances leave together and skip PD membership changes.
    doomed = [p for p in ctx.instances if p.metadata.deletion_timestamp is None]
    for pd in doomed:
        meta = pd.metadata
        await ctx.deps.client.delete(resources.PD, str(meta.name), ctx.namespace, uid=meta.uid)
    if doomed:
        names = ", ".join(str(p.metadata.name) for p in doomed)
        ctx.event("Normal", reasons.INSTANCES_DELETED, "DeleteInstances", f"deleted {names}")
    return Wait(f"waiting for {len(ctx.instances)} instances to be gone")


ON_DELETION: Branch[GroupContext] = on_deletion(
    task("remove-instances", remove_instances),
    task("drop-finalizer", drop_finalizer),
)
