"""Load the group, its Cluster and its instances; stop while the Cluster is paused."""

from __future__ import annotations

from apis import PD, PDGroup
from controllers.common.clusterstate import read_cluster
from controllers.common.group import update_revision
from controllers.common.runner import Complete, TaskResult, Wait
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
    name = ctx.group.spec.cluster.name
    ctx.loaded_cluster = await read_cluster(ctx.deps, ctx.namespace, name)
    if ctx.loaded_cluster is None and not ctx.deleting:
        cluster_key = f"{ctx.namespace}/{name}"
        return Wait(f"Cluster {cluster_key} does not exist; waiting for it to be created")
    return Complete()


async def stop_if_paused(ctx: GroupContext) -> TaskResult:
    if ctx.loaded_cluster is not None and ctx.cluster.spec.paused:
        return Wait("the Cluster is paused; set spec.paused=false to resume")
    return Complete()
