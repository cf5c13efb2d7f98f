"""Deleting a group. With its Cluster going too, the instances go at once (there is nowhere
to move data); otherwise the scale task takes the group to zero store by store, and the
finalizer is dropped only when no instance is left."""

from __future__ import annotations

from controllers.common.finalizer import remove_finalizer
from controllers.common.load import on_deletion
from controllers.common.runner import Branch, Complete, Retry, TaskResult, task, when
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.tasks.scale import scale
from tikv_operator.kube import resources


def is_deleting_with_cluster(ctx: Context) -> bool:
    return ctx.deleting and ctx.cluster_deleting


async def delete_all_instances(ctx: Context) -> TaskResult:
    for instance in ctx.instances:
        if instance.metadata.deletion_timestamp is None:
            await ctx.deps.client.delete(
                resources.TIKV,
                str(instance.metadata.name),
                ctx.namespace,
                uid=instance.metadata.uid,
            )
    return Complete(f"{len(ctx.instances)} instances going")


async def drop_finalizer_when_empty(ctx: Context) -> TaskResult:
    if ctx.instances:
        names = ", ".join(str(i.metadata.name) for i in ctx.instances)
        return Retry(5, f"waiting for instances {names} to be removed")
    await remove_finalizer(ctx.deps.client, resources.TIKVGROUP, ctx.group)
    return Complete("finalizer removed")


ON_DELETION_WITH_CLUSTER: Branch[Context] = when(
    "deleting-with-cluster",
    is_deleting_with_cluster,
    task("delete-instances", delete_all_instances),
    task("finalizer", drop_finalizer_when_empty),
)
ON_DELETION: Branch[Context] = on_deletion(
    task("scale-to-zero", scale),
    task("finalizer", drop_finalizer_when_empty),
)
"""Deleting the group alone is a scale-in to zero under every safety rule."""
