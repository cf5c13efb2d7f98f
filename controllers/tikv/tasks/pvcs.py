"""The instance's PVCs: created when missing, expanded when the spec asks for more."""

from __future__ import annotations

from controllers.common.objects import Object
from controllers.common.pvcsync import sync_pvcs
from controllers.common.runner import TaskResult
from controllers.tikv.build import build_instance_pvcs
from controllers.tikv.context import Context
from tikv_operator.kube import resources


async def ensure_pvcs(ctx: Context) -> TaskResult:
    desired = build_instance_pvcs(ctx.tikv)
    cache = ctx.deps.cache(resources.PVC)
    existing: dict[str, Object] = {}
    for pvc in desired:
        name = pvc["metadata"]["name"]
        have = cache.get(f"{ctx.namespace}/{name}")
        if have is not None:
            existing[name] = have
    return await sync_pvcs(ctx, desired, existing)
