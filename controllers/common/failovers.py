"""The failover counter of a group: created at 0 on the group's first reconcile, so that
`increase()` in an alert or dashboard sees its first failover."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter

from controllers.common.context import GroupContext
from tikv_operator.metrics import FAILOVER_TOTAL


def failovers(ctx: GroupContext[Any, Any], component: str) -> Counter:
    return FAILOVER_TOTAL.labels(ctx.namespace, ctx.group.spec.cluster.name, component)
