"""suspendCompute: delete the instance's Pod, keep its PVCs, ConfigMap and PD membership, so
that resuming starts the same member again from the same data (this is not a scale-in)."""

from __future__ import annotations

from apis import PD, Cluster
from apis import labels as label_keys
from apis.pd import COMPONENT as PD_COMPONENT
from apis.tikv import COMPONENT as TIKV_COMPONENT
from controllers.common.clusterstate import is_compute_suspended
from controllers.common.objects import Object
from controllers.common.pods import delete_pod
from controllers.common.runner import Complete, Retry, TaskResult, Wait
from controllers.common.safety import UnsafeToProceed, fresh_read
from controllers.pd import reasons
from controllers.pd.context import PDContext
from controllers.pd.decisions import suspend_hold
from controllers.pd.tasks.takedown import refused
from tikv_operator.kube import cache, resources

SUSPEND_POLL = 2.0
"""Nothing wakes a PD instance when another instance's Pod goes: poll while waiting."""


def is_suspended(ctx: PDContext) -> bool:
    return ctx.loaded_cluster is not None and is_compute_suspended(ctx.cluster)


def cluster_pods(ctx: PDContext, component: str) -> list[Object]:
    """The cluster's Pods of one component, from the cache (ordering, not safety, rests on
    it: a stale cache only makes this member wait one more poll or go one poll early)."""
    pods = ctx.deps.cache(resources.POD).by_index(
        cache.BY_CLUSTER, f"{ctx.namespace}/{ctx.pd.spec.cluster.name}"
    )
    return [
        p
        for p in pods
        if (p["metadata"].get("labels") or {}).get(label_keys.COMPONENT) == component
    ]


async def suspend_pod(ctx: PDContext) -> TaskResult:
    pod = ctx.deps.cache(resources.POD).get(ctx.key)
    ctx.pod = pod
    if pod is None:
        return Complete("suspended: no Pod; PVCs and ConfigMap kept")
    if pod["metadata"].get("deletionTimestamp"):
        ctx.suspend_note = "compute is suspended; the Pod is terminating"
        return Retry(SUSPEND_POLL, ctx.suspend_note)
    others = [
        str(p["metadata"]["name"])
        for p in cluster_pods(ctx, PD_COMPONENT)
        if p["metadata"]["name"] != ctx.name
    ]
    tikvs = [str(p["metadata"]["name"]) for p in cluster_pods(ctx, TIKV_COMPONENT)]
    hold = suspend_hold(tikvs, ctx.is_leader, others)
    if hold is not None:
        ctx.suspend_note = hold
        return Retry(SUSPEND_POLL, hold)
    try:
        # The Cluster decided this: a changed generation means suspendCompute may be gone.
        await fresh_read(ctx.deps.client, resources.CLUSTER, Cluster, ctx.cluster)
        await fresh_read(ctx.deps.client, resources.PD, PD, ctx.pd)
    except UnsafeToProceed as error:
        ctx.suspend_note = f"compute is suspended, but the Pod is not deleted yet: {error}"
        return refused(ctx, "SuspendPod", error)
    await delete_pod(ctx.deps.client, pod)
    ctx.suspend_note = "compute is suspended; the Pod is being deleted"
    note = f"Pod {ctx.name} deleted: the Cluster suspends compute (PVCs and ConfigMap kept)"
    ctx.event("Normal", reasons.POD_SUSPENDED, "SuspendPod", note)
    return Wait("Pod deleted for suspension; PVCs and ConfigMap kept")
