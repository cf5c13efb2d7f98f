"""The instance's PVCs: created when missing, expanded when the spec asks for more."""

from __future__ import annotations

from controllers.common.objects import Object
from controllers.common.pvc import apply_pvcs
from controllers.common.runner import Complete, Retry, TaskResult
from controllers.tikv.build import build_instance_pvcs
from controllers.tikv.context import Context
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError


async def ensure_pvcs(ctx: Context) -> TaskResult:
    desired = build_instance_pvcs(ctx.tikv)
    cache = ctx.deps.cache(resources.PVC)
    existing: dict[str, Object] = {}
    for pvc in desired:
        name = pvc["metadata"]["name"]
        have = cache.get(f"{ctx.namespace}/{name}")
        if have is not None:
            existing[name] = have
    try:
        changed = await apply_pvcs(ctx.deps.client, desired, existing)
    except ApiError as e:
        if not e.conflict:
            raise
        return Retry(1, "a PVC exists that the cache has not seen yet")
    return Complete(f"changed {', '.join(changed)}" if changed else "")
