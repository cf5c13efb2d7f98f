"""The instance's ConfigMap: tikv.toml with the keys the operator manages."""

from __future__ import annotations

from controllers.common.runner import Complete, TaskResult, Wait
from controllers.tikv.build import build_configmap
from controllers.tikv.context import Context
from tikv_operator.kube import resources


async def apply_configmap(ctx: Context) -> TaskResult:
    pd_url = ctx.cluster.status.pd
    if pd_url is None:
        return Wait("the Cluster has not recorded its PD URL yet; TiKV needs it in its config")
    desired = build_configmap(ctx.tikv, pd_url)
    have = ctx.deps.cache(resources.CONFIGMAP).get(ctx.key)
    if have is not None and have.get("data") == desired["data"]:
        return Complete("unchanged")
    await ctx.deps.client.apply(resources.CONFIGMAP, desired)
    return Complete("applied")
