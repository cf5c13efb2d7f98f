"""Read what PD knows of the instance's store, from the cluster's PD view."""

from __future__ import annotations

from controllers.common.pdview import read_pd_view
from controllers.common.runner import Complete, TaskResult
from controllers.common.stores import advertise_address, find_store
from controllers.tikv.context import Context


async def read_store(ctx: Context) -> TaskResult:
    result = await read_pd_view(ctx)
    if ctx.view is None:
        return result
    ctx.store = find_store(ctx.view.stores, advertise_address(ctx.tikv))
    return Complete(f"store {ctx.store.store.id}" if ctx.store else "no store")
