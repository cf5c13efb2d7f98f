"""What PD and TiKV failover share: the group's failover counter, and the one guarded write
of its `status.failover` records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter

from apis.common import FailoverRecord
from controllers.common.context import GroupContext
from tikv_operator.metrics import FAILOVER_TOTAL


def failovers(ctx: GroupContext[Any, Any], component: str) -> Counter:
    """Created at 0 on the group's first reconcile, so that `increase()` in an alert or a
    dashboard sees its first failover."""
    return FAILOVER_TOTAL.labels(ctx.namespace, ctx.group.spec.cluster.name, component)


async def write_records(ctx: GroupContext[Any, Any], records: Sequence[FailoverRecord]) -> None:
    """Write `records` as the group's status.failover now, only if the group is still the
    one the decision was made on (its resourceVersion): a reconcile that read a stale group
    gets a conflict (ApiError) and decides again, never records a step twice. The context's
    group then carries what was written."""
    group = ctx.group
    patch = {
        "metadata": {"resourceVersion": group.metadata.resource_version},
        "status": {"failover": [r.model_dump(mode="json", exclude_none=True) for r in records]},
    }
    stored = await ctx.deps.client.patch_status(ctx.KIND, ctx.name, patch, ctx.namespace)
    ctx.raw = stored
    group.metadata.resource_version = stored["metadata"]["resourceVersion"]
    group.status.failover = list(records)
