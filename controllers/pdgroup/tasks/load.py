"""Load the group, its Cluster and its instances."""

from __future__ import annotations

from apis import PD, PDGroup
from controllers.common.history import load_revision
from controllers.common.load import load_member
from controllers.common.runner import Complete, TaskResult
from controllers.pdgroup.context import GroupContext
from tikv_operator.kube import cache, resources


async def load(ctx: GroupContext) -> TaskResult:
    loaded = await load_member(ctx, resources.PDGROUP, PDGroup)
    if not isinstance(loaded, Complete):
        return loaded
    load_revision(ctx)
    owned = ctx.deps.cache(resources.PD).by_index(cache.BY_OWNER_UID, str(ctx.group.metadata.uid))
    ctx.instances = sorted(map(PD.model_validate, owned), key=lambda p: str(p.metadata.name))
    return Complete()
