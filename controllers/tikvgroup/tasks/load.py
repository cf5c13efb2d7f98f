"""Load the group, its Cluster and its instances."""

from __future__ import annotations

from collections.abc import Iterable

from apis import TiKV, TiKVGroup
from controllers.common.group import selector
from controllers.common.history import load_revision
from controllers.common.load import load_member
from controllers.common.runner import Complete, TaskResult
from controllers.tikvgroup.context import Context
from tikv_operator.kube import resources
from tikv_operator.kube.cache import BY_OWNER_UID
from tikv_operator.kube.resources import Object, controller_owner


async def load(ctx: Context) -> TaskResult:
    loaded = await load_member(ctx, resources.TIKVGROUP, TiKVGroup)
    if not isinstance(loaded, Complete):
        return loaded
    owned = ctx.deps.cache(resources.TIKV).by_index(BY_OWNER_UID, str(ctx.group.metadata.uid))
    ctx.instances = _instances(owned)
    ctx.failover = list(ctx.group.status.failover)
    load_revision(ctx)
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
