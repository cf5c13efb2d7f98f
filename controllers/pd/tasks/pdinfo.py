"""Ask PD about its membership once per reconcile."""

from __future__ import annotations

from controllers.common.runner import Complete, TaskResult
from controllers.pd.build import group_of
from controllers.pd.context import PDContext
from controllers.pd.pdview import pd_url, read_pd
from tikv_operator.pdapi import PDClient, PDError


def pd_client(ctx: PDContext) -> PDClient:
    url = pd_url(ctx.cluster, group_of(ctx.pd))
    return ctx.deps.pd.get(ctx.namespace, ctx.pd.spec.cluster.name, url)


async def read_pd_info(ctx: PDContext) -> TaskResult:
    if ctx.loaded_cluster is None:
        return Complete("no Cluster; PD not asked")
    try:
        ctx.view = await read_pd(pd_client(ctx))
    except PDError as error:
        # Not a failure: a new cluster has no PD to ask until its Pods run. Every
        # destructive step checks `view` and waits while PD cannot be asked (rule 8).
        ctx.pd_error = error
        return Complete(f"PD unavailable: {error}")
    return Complete()
