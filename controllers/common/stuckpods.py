"""Releasing an instance's Pod stuck Terminating on a dead node (DESIGN §6).

A Pod deleted on a node whose kubelet is gone stays Terminating for ever (no kubelet
confirms that its containers stopped), and its instance cannot get a new one. It is
force-deleted, but only once PD confirms the instance failed (its store Down, its member
unhealthy): a node that the control plane cannot reach may still run the process, and two
processes must never serve one instance's data. Each group says what confirms a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from apis.meta import Resource
from controllers.common.conditions import condition_of
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object, key_of
from tikv_operator.kube import resources

EVENT_POD_FORCE_DELETED = "PodForceDeleted"

R = TypeVar("R", bound=Resource)


def node_ready(node: Object | None) -> bool:
    return (condition_of(node, "Ready") or {}).get("status") == "True"


def stuck_pod(ctx: ReconcileContext[Any], instance: Resource) -> Object | None:
    """The instance's Pod when it is Terminating on a node that is not Ready."""
    pod = ctx.deps.cache(resources.POD).get(key_of(instance))
    if pod is None or not pod["metadata"].get("deletionTimestamp"):
        return None
    node = (pod.get("spec") or {}).get("nodeName")
    if not node or node_ready(ctx.deps.cache(resources.NODE).get(node)):
        return None
    return pod


async def release_stuck_pods(
    ctx: ReconcileContext[Any],
    instances: Iterable[R],
    failed: Callable[[R], str | None],
    poll: float,
) -> list[str]:
    """Force-delete the stuck Pods of the instances `failed` says PD confirmed failed (the
    reason, or None); the names released. No PD leader, no release: its view is not to be
    trusted then."""
    if ctx.view is None or not ctx.view.leader:
        return []
    released = []
    for instance in instances:
        pod = stuck_pod(ctx, instance)
        if pod is None:
            continue
        why = failed(instance)
        if why is None:
            ctx.requeue(poll)  # nothing announces the failure being confirmed: look again
            continue
        name, uid = str(instance.metadata.name), pod["metadata"]["uid"]
        fresh = await ctx.deps.client.get_or_none(resources.POD, name, ctx.namespace)
        if fresh is None or fresh["metadata"]["uid"] != uid:
            continue
        await ctx.deps.client.delete(
            resources.POD, name, ctx.namespace, uid=uid, grace_period_seconds=0
        )
        node = pod["spec"]["nodeName"]
        note = (
            f"force-deleted Pod {name}, stuck Terminating on node {node} that is not Ready: {why}"
        )
        ctx.event("Warning", EVENT_POD_FORCE_DELETED, "Failover", note)
        released.append(name)
    return released
