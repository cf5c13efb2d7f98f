"""Load the group, its Cluster and its instances."""

from __future__ import annotations

from collections.abc import Iterable

from apis import TiKV, TiKVGroup
from controllers.common.clusterstate import is_paused, read_cluster
from controllers.common.group import selector, update_revision
from controllers.common.runner import Complete, TaskResult, Wait
from controllers.tikvgroup.context import Context
from tikv_operator.kube import resources
from tikv_operator.kube.cache import BY_OWNER_UID
from tikv_operator.kube.resources import Object, controller_owner


async def load(ctx: Context) -> TaskResult:
    raw = ctx.deps.cache(resources.TIKVGROUP).get(ctx.key)
    if raw is None:
        return Wait("the TiKVGroup is gone")
    ctx.raw = raw
    group = ctx.loaded = TiKVGroup.model_validate(raw)
    ctx.conditions = list(group.status.conditions)
    ctx.loaded_cluster = await read_cluster(ctx.deps, ctx.namespace, group.spec.cluster.name)
    if ctx.loaded_cluster is None and not ctx.deleting:
        return Wait(f"Cluster {group.spec.cluster.name} does not exist")
    owned = ctx.deps.cache(resources.TIKV).by_index(BY_OWNER_UID, str(group.metadata.uid))
    ctx.instances = _instances(owned)
    ctx.revision = update_revision(group)
    return Complete()


async def live_instances(ctx: Context) -> list[TiKV]:
    """The group's instances as the API server has them now, not as the cache last saw them:
    the cache can still miss what this controller wrote a moment ago."""
    listed = await ctx.deps.client.list(
        resources.TIKV, ctx.namespace, label_selector=selector(ctx.group)
    )
    uid = str(ctx.group.metadata.uid)
    return _instances(o for o in listed.items if (controller_owner(o) or {}).get("uid") == uid)


def _instances(objects: Iterable[Object]) -> list[TiKV]:
    return sorted((TiKV.model_validate(o) for o in objects), key=lambda t: str(t.metadata.name))


async def stop_if_paused(ctx: Context) -> TaskResult:
    if ctx.loaded_cluster is not None and is_paused(ctx.loaded_cluster):
        return Wait("the Cluster is paused")
    return Complete()
