"""Ask PD about its membership once per reconcile."""

from __future__ import annotations

from controllers.common.runner import Complete, TaskResult
from controllers.pd.pdview import pd_url, read_pd
from controllers.pdgroup.context import GroupContext
from tikv_operator.pdapi import PDClient, PDError


def pd_client(ctx: GroupContext) -> PDClient:
    url = pd_url(ctx.cluster, ctx.name)
    return ctx.deps.pd.get(ctx.namespace, ctx.group.spec.cluster.name, url)


async def read_pd_info(ctx: GroupContext) -> TaskResult:
    if ctx.loaded_cluster is None:
        return Complete("no Cluster; PD not asked")
    try:
        ctx.view = await read_pd(pd_client(ctx))
    except PDError as error:
        # A new cluster has no PD until its first Pods run; each decision that needs PD
        # holds while `view` is None (rule 8).
        ctx.pd_error = error
        return Complete(f"PD unavailable: {error}")
    return Complete()
