"""The checks in front of every destructive step of a TiKV instance (rules 8, 10 to 12)."""

from __future__ import annotations

from apis import TiKV
from controllers.common.safety import UnsafeToProceed, fresh_read, guard_instance
from controllers.common.stores import advertise_address, find_store
from controllers.tikv.context import Context
from tikv_operator.kube import resources
from tikv_operator.pdapi import PDClient


async def guard(ctx: Context) -> TiKV:
    """A fresh PD view, a fresh Cluster (brake, identity) and a fresh instance; returns the
    fresh instance, and `ctx.store` is what the fresh view says of the store, for the caller
    to check its decision again. Raises UnsafeToProceed when any of them says no."""
    fresh = await guard_instance(ctx, resources.TIKV, TiKV, ctx.tikv)
    assert ctx.view is not None  # guard_instance put the fresh view in place
    ctx.store = find_store(ctx.view.stores, advertise_address(ctx.tikv))
    return fresh


async def fresh_instance(ctx: Context) -> TiKV:
    """The instance re-read from the API server, for deletions that ask nothing of PD."""
    return await fresh_read(ctx.deps.client, resources.TIKV, TiKV, ctx.tikv)


async def begin_eviction(ctx: Context, pd: PDClient, store_id: int) -> str | None:
    """Ask PD to evict the store's leaders, the first step of a restart or a removal, after
    the guard: no write to a PD whose cluster id, brake or view says no. Returns why not."""
    try:
        await guard(ctx)
    except UnsafeToProceed as e:
        return str(e)
    if ctx.store is None or ctx.store.store.id != store_id:
        return f"store {store_id} is no longer at this instance's address"
    await pd.begin_evict_leader(store_id)
    return None
