"""The checks in front of every destructive step of a TiKV instance (rules 8, 10 to 12)."""

from __future__ import annotations

from apis import TiKV
from controllers.common.safety import fresh_read, guard_instance
from controllers.common.stores import advertise_address, find_store
from controllers.tikv.context import Context
from tikv_operator.kube import resources


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
