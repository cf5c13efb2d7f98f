"""Read what PD knows of the instance's store."""

from __future__ import annotations

import contextlib

from controllers.common.runner import Complete, TaskResult
from controllers.tikv.build import advertise_address
from controllers.tikv.context import Context, PDView
from controllers.tikv.decisions import find_store
from tikv_operator.pdapi import NotBootstrapped, PDError


async def read_store(ctx: Context) -> TaskResult:
    if ctx.cluster_ is None:
        ctx.pd_error = "the Cluster is gone"
        return Complete("no Cluster")
    pd = ctx.pd_client()
    if pd is None:
        ctx.pd_error = "the Cluster has not recorded its PD URL yet"
        return Complete("no PD URL")
    try:
        stores = await pd.get_stores_if_bootstrapped()
        evicting: set[int] = set()
        if stores:
            with contextlib.suppress(NotBootstrapped):
                evicting = await pd.get_evict_leader_stores()
    except PDError as e:
        # Rule 8: every PD-dependent destructive step checks pd_error and stands still.
        ctx.pd_error = str(e)
        ctx.requeue(10)
        return Complete(f"PD unavailable: {e}")
    ctx.pd = PDView(stores, evicting)
    ctx.store = find_store(stores, advertise_address(ctx.tikv))
    return Complete(f"store {ctx.store.store.id}" if ctx.store else "no store")
