"""The finalizer, ConfigMap and PVCs of a PD instance."""

from __future__ import annotations

from apis.labels import INSTANCE_REVISION_HASH
from controllers.common.pvc import build_pvcs
from controllers.common.pvcsync import sync_pvcs
from controllers.common.runner import Complete, TaskResult
from controllers.pd.build import CONFIG_FILE, build_config, build_configmap, child_labels
from controllers.pd.context import PDContext
from tikv_operator.kube import cache, resources


async def apply_configmap(ctx: PDContext) -> TaskResult:
    ctx.config = build_config(ctx.pd)
    desired = build_configmap(ctx.pd, ctx.config)
    current = ctx.deps.cache(resources.CONFIGMAP).get(ctx.key)
    if current is not None:
        same_data = (current.get("data") or {}).get(CONFIG_FILE) == ctx.config
        labels = current["metadata"].get("labels") or {}
        if same_data and all(labels.get(k) == v for k, v in desired["metadata"]["labels"].items()):
            return Complete()
    await ctx.deps.client.apply(resources.CONFIGMAP, desired)
    return Complete("ConfigMap written")


async def apply_pvcs(ctx: PDContext) -> TaskResult:
    pd = ctx.pd
    labels = {k: v for k, v in child_labels(pd).items() if k != INSTANCE_REVISION_HASH}
    desired = build_pvcs(pd, pd.spec.volumes, pd.spec.overlay.volume_claims, labels)
    owned = ctx.deps.cache(resources.PVC).by_index(cache.BY_OWNER_UID, str(pd.metadata.uid))
    return await sync_pvcs(ctx, desired, {p["metadata"]["name"]: p for p in owned})
