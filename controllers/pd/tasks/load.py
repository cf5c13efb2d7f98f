"""Load the instance and its Cluster from the caches."""

from __future__ import annotations

from apis import PD
from controllers.common.load import load_member
from controllers.common.runner import TaskResult
from controllers.pd.context import PDContext
from tikv_operator.kube import resources


async def load(ctx: PDContext) -> TaskResult:
    return await load_member(ctx, resources.PD, PD)
