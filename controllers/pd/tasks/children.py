"""The finalizer, ConfigMap and PVCs of a PD instance."""

from __future__ import annotations

from apis.labels import INSTANCE_REVISION_HASH
from controllers.common.pvc import apply_pvcs as apply_pvc_objects
from controllers.common.pvc import build_pvcs
from controllers.common.runner import Complete, Retry, TaskResult, Wait
from controllers.pd.build import CONFIG_FILE, build_config, build_configmap, child_labels
from controllers.pd.context import PDContext
from tikv_operator.kube import cache, resources
from tikv_operator.kube.client import ApiError


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
    going = sorted(p["metadata"]["name"] for p in owned if p["metadata"].get("deletionTimestamp"))
    if going:
        # A failover gave up this PVC: no Pod may start on it (the old data), and its
        # replacement is created once it is gone, which its deletion event tells us.
        return Wait(f"PVCs {', '.join(going)} are being deleted; recreated once gone")
    try:
        changed = await apply_pvc_objects(
            ctx.deps.client, desired, {p["metadata"]["name"]: p for p in owned}
        )
    except ApiError as error:
        if not error.conflict:
            raise
        # The cache has not seen a PVC we created a moment ago.
        return Retry(1.0, "a PVC exists that the cache has not seen yet")
    return Complete(f"PVCs created or expanded: {', '.join(changed)}" if changed else "")
