"""Load the group, its Cluster and its instances; stop while the Cluster is paused."""

from __future__ import annotations

from apis import PD, Cluster, PDGroup
from controllers.common.runner import Complete, TaskResult, Wait
from controllers.pdgroup.build import update_revision
from controllers.pdgroup.context import GroupContext
from tikv_operator.kube import cache, resources


async def load(ctx: GroupContext) -> TaskResult:
    obj = ctx.deps.cache(resources.PDGROUP).get(ctx.key)
    if obj is None:
        return Wait("the PDGroup is gone")
    ctx.loaded = PDGroup.model_validate(obj)
    ctx.revision = update_revision(ctx.group)
    owned = ctx.deps.cache(resources.PD).by_index(cache.BY_OWNER_UID, str(ctx.group.metadata.uid))
    ctx.instances = sorted(map(PD.model_validate, owned), key=lambda p: str(p.metadata.name))
    cluster_key = f"{ctx.namespace}/{ctx.group.spec.cluster.name}"
    cluster = ctx.deps.cache(resources.CLUSTER).get(cluster_key)
    if cluster is not None:
        ctx.loaded_cluster = Cluster.model_validate(cluster)
    elif not ctx.deleting:
        return Wait(f"Cluster {cluster_key} does not exist; waiting for it to be created")
    return Complete()


async def stop_if_paused(ctx: GroupContext) -> TaskResult:
    if ctx.loaded_cluster is not None and ctx.cluster.spec.paused:
        return Wait("the Cluster is paused; set spec.paused=false to resume")
    return Complete()
