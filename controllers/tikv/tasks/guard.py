"""The checks in front of every destructive step of a TiKV instance (rules 8, 10 to 12)."""

from __future__ import annotations

from apis import TiKV
from controllers.common.safety import UnsafeToProceed, fresh_read, guard_destructive
from controllers.tikv.context import Context
from tikv_operator.kube import resources
from tikv_operator.pdapi import PDClient, PDError


async def guard(ctx: Context, pd: PDClient) -> TiKV:
    """Fresh Cluster (brake, identity) and fresh instance; returns the fresh instance.
    Raises UnsafeToProceed when any of them says no."""
    try:
        pd_cluster = await pd.get_cluster()
    except PDError as e:
        raise UnsafeToProceed(f"cannot confirm PD's cluster id: {e}") from e
    await guard_destructive(ctx.deps.client, ctx.cluster, pd_cluster.id)
    return await fresh_read(ctx.deps.client, resources.TIKV, TiKV, ctx.tikv)


async def fresh_instance(ctx: Context) -> TiKV:
    """The instance re-read from the API server, for deletions that ask nothing of PD."""
    return await fresh_read(ctx.deps.client, resources.TIKV, TiKV, ctx.tikv)
