"""Load the instance and its Cluster from the caches; stop while the Cluster is paused."""

from __future__ import annotations

from apis import PD
from controllers.common.clusterstate import read_cluster
from controllers.common.runner import Complete, TaskResult, Wait
from controllers.pd.context import PDContext
from tikv_operator.kube import resources


async def load(ctx: PDContext) -> TaskResult:
    obj = ctx.deps.cache(resources.PD).get(ctx.key)
    if obj is None:
        return Wait("the PD instance is gone")
    ctx.loaded = PD.model_validate(obj)
    ctx.loaded_cluster = await read_cluster(ctx.deps, ctx.namespace, ctx.pd.spec.cluster.name)
    if ctx.loaded_cluster is None and not ctx.deleting:
        cluster_key = f"{ctx.namespace}/{ctx.pd.spec.cluster.name}"
        return Wait(f"Cluster {cluster_key} does not exist; waiting for it to be created")
    return Complete()


async def stop_if_paused(ctx: PDContext) -> TaskResult:
    if ctx.loaded_cluster is not None and ctx.cluster.spec.paused:
        return Wait("the Cluster is paused; set spec.paused=false to resume")
    return Complete()
