"""The instance's ConfigMap: tikv.toml with the keys the operator manages. Under the
HotReload strategy a change goes to the running store's online config API first
(`common.hotreload`)."""

from __future__ import annotations

from apis.config import TIKV_MANAGED_KEYS
from controllers.common.hotreload import (
    ConfigChange,
    Refused,
    Unreachable,
    configmap_config,
    tikv_online,
    write_config,
)
from controllers.common.pods import pod_ready
from controllers.common.restart import needs_recreate
from controllers.common.runner import Complete, TaskResult, Wait
from controllers.tikv.build import CONFIG_FILE, build_configmap, build_pod
from controllers.tikv.context import Context
from tikv_operator.kube import resources
from tikv_operator.tikvapi import (
    TiKVRefused,
    TiKVStatusClient,
    TiKVUnreachable,
    status_base_url,
)


async def apply_configmap(ctx: Context) -> TaskResult:
    pd_url = ctx.cluster.status.pd
    if pd_url is None:
        return Wait("the Cluster has not recorded its PD URL yet; TiKV needs it in its config")
    desired = build_configmap(ctx.tikv, pd_url, ctx.tls)
    have = ctx.deps.cache(resources.CONFIGMAP).get(ctx.key)
    if have is not None and have.get("data") == desired["data"]:
        return Complete("unchanged")

    async def write() -> object:
        return await ctx.deps.client.apply(resources.CONFIGMAP, desired)

    async def reload(change: ConfigChange) -> list[str]:
        await _update_store_config(ctx, tikv_online(change))
        return []

    return await write_config(
        ctx,
        write,
        configmap_config(have, CONFIG_FILE),
        desired["data"][CONFIG_FILE],
        managed=TIKV_MANAGED_KEYS,
        strategy=ctx.tikv.spec.update_strategy.config,
        serving=_serving(ctx),
        reload=reload,
    )


def _serving(ctx: Context) -> bool:
    """The store's process runs and keeps running: its Pod is Ready and not about to be
    replaced (a new Pod starts with the new ConfigMap anyway)."""
    pod = ctx.pod
    if pod is None or not pod_ready(pod):
        return False
    strategy = ctx.tikv.spec.update_strategy.config
    return not needs_recreate(pod, build_pod(ctx.tikv, ctx.tls), strategy)


async def _update_store_config(ctx: Context, items: dict[str, str]) -> None:
    """POST the items to the store's status API, found at the status address the store
    registered in PD."""
    store = ctx.store
    if ctx.view is None:
        raise Unreachable(f"PD cannot tell the store's status address ({ctx.pd_error})")
    if store is None or not store.store.status_address:
        raise Unreachable("the store has not registered its status address in PD yet")
    address = store.store.status_address
    cluster = f"{ctx.namespace}/{ctx.tikv.spec.cluster.name}"
    override = ctx.deps.settings.tikv_status_url_overrides.get(cluster)
    # The operator's client certificate for PD is the one TiKV's status port trusts too.
    tls = ctx.pd_writer().tls
    url = status_base_url(address, override, tls is not None)
    client = TiKVStatusClient(url, cluster=cluster, address=address, tls=tls)
    try:
        await client.update_config(items)
    except TiKVUnreachable as error:
        raise Unreachable(str(error)) from error
    except TiKVRefused as error:
        raise Refused(str(error)) from error
