"""The ConfigMap and PVCs of a PD instance. Under the HotReload strategy a config change goes
to PD's config API first (`common.hotreload`)."""

from __future__ import annotations

from typing import Any

from apis.config import PD_MANAGED_KEYS
from apis.labels import INSTANCE_REVISION_HASH
from controllers.common.hotreload import (
    EVENT_HOT_RELOADED,
    EVENT_NOT_HOT_RELOADED,
    UNREACHABLE_RETRY,
    ConfigChange,
    Refused,
    Unreachable,
    config_change,
    configmap_config,
    pd_online,
    pd_persisted,
    write_config,
)
from controllers.common.pods import pod_ready
from controllers.common.pvc import build_pvcs
from controllers.common.pvcsync import sync_pvcs
from controllers.common.restart import needs_recreate
from controllers.common.runner import Complete, TaskResult, Wait
from controllers.pd.build import CONFIG_FILE, build_config, build_configmap, build_pod, child_labels
from controllers.pd.context import PDContext
from tikv_operator.kube import cache, resources
from tikv_operator.pdapi import PDClient, PDError, Unavailable


async def apply_configmap(ctx: PDContext) -> TaskResult:
    ctx.config = build_config(ctx.pd, ctx.tls)
    desired = build_configmap(ctx.pd, ctx.config)
    current = ctx.deps.cache(resources.CONFIGMAP).get(ctx.key)
    old = configmap_config(current, CONFIG_FILE)
    if current is not None:
        labels = current["metadata"].get("labels") or {}
        if old == ctx.config and all(
            labels.get(k) == v for k, v in desired["metadata"]["labels"].items()
        ):
            return Complete()

    async def write() -> object:
        return await ctx.deps.client.apply(resources.CONFIGMAP, desired)

    if old is not None and ctx.pd.spec.update_strategy.config == "Restart":
        held = await _set_persisted_config(ctx, config_change(old, ctx.config, PD_MANAGED_KEYS))
        if held is not None:
            return held
    return await write_config(
        ctx,
        write,
        old,
        ctx.config,
        managed=PD_MANAGED_KEYS,
        strategy=ctx.pd.spec.update_strategy.config,
        serving=_serving(ctx),
        reload=lambda change: _set_pd_config(ctx, change),
    )


def _serving(ctx: PDContext) -> bool:
    """The member's process runs and keeps running: its Pod is Ready and not about to be
    replaced (a new Pod starts with the new ConfigMap anyway)."""
    pod = ctx.deps.cache(resources.POD).get(ctx.key)
    if not pod_ready(pod):
        return False
    assert pod is not None
    desired = build_pod(ctx.pd, ctx.config, ctx.tls)
    return not needs_recreate(pod, desired, ctx.pd.spec.update_strategy.config)


async def _set_persisted_config(ctx: PDContext, change: ConfigChange) -> TaskResult | None:
    """Under Restart, the keys PD keeps in its own storage still go through its config API
    before the ConfigMap is written: restarting the members would not change them. Returns
    a result when the ConfigMap must wait (PD could not be asked)."""
    payload = pd_persisted(change)
    if not payload:
        return None
    client = ctx.pd_client()
    try:
        if ctx.view is None or client is None:
            raise Unreachable(f"PD cannot be asked ({ctx.pd_error})")
        await _post_config(client, payload)
    except Unreachable as error:
        ctx.requeue(UNREACHABLE_RETRY)
        return Complete(f"PD's stored config waits to be changed: {error}")
    except Refused as error:
        ctx.event(
            "Warning",
            EVENT_NOT_HOT_RELOADED,
            "SetPDConfig",
            f"PD refused {sorted(payload)}: {error}",
        )
        return None
    ctx.event(
        "Normal",
        EVENT_HOT_RELOADED,
        "SetPDConfig",
        f"set through PD's config API, which PD keeps for the whole cluster (a restart would "
        f"not change them): {', '.join(sorted(payload))}",
    )
    return None


async def _post_config(client: PDClient, payload: dict[str, Any]) -> None:
    try:
        await client.set_config(payload)
    except Unavailable as error:
        raise Unreachable(str(error)) from error
    except PDError as error:
        raise Refused(str(error)) from error


async def _set_pd_config(ctx: PDContext, change: ConfigChange) -> list[str]:
    """POST the changed items PD takes online to its config API (the PD config is the
    cluster's: every member asking for the same change is idempotent). Returns the keys
    PD cannot change that way."""
    payload, offline = pd_online(change)
    if not payload:
        return offline
    client = ctx.pd_client()
    if ctx.view is None or client is None:
        raise Unreachable(f"PD cannot be asked ({ctx.pd_error})")
    await _post_config(client, payload)
    return offline


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
    return await sync_pvcs(ctx, desired, {p["metadata"]["name"]: p for p in owned})
