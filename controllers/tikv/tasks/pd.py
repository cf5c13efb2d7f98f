"""Read what PD knows of the instance's store, from the cluster's PD view."""

from __future__ import annotations

from controllers.common.pdview import read_pd_view
from controllers.common.runner import Complete, TaskResult
from controllers.tikv.build import advertise_address
from controllers.tikv.context import Context
from controllers.tikv.decisions import find_store


async def read_store(ctx: Context) -> TaskResult:
    result = await read_pd_view(ctx)
    if ctx.view is None:
        return result
    ctx.store = find_store(ctx.view.stores, advertise_address(ctx.tikv))
    return Complete(f"store {ctx.store.store.id}" if ctx.store else "no store")
