"""Store labels from the node's topology, for PD's `location-labels` (replica placement)."""

from __future__ import annotations

from controllers.common.runner import Complete, TaskResult
from controllers.tikv import reasons
from controllers.tikv.context import Context
from controllers.tikv.decisions import missing_store_labels, wanted_store_labels
from tikv_operator.kube import resources
from tikv_operator.pdapi.models import StoreState


async def sync_store_labels(ctx: Context) -> TaskResult:
    pd = ctx.pd_client()
    store = ctx.store
    if (
        pd is None
        or ctx.view is None
        or store is None
        or store.store.state != StoreState.UP
        or ctx.pod is None
    ):
        return Complete("no Up store")
    node_name = (ctx.pod.get("spec") or {}).get("nodeName")
    if not node_name:
        return Complete("Pod not scheduled")
    # From the cache only: the operator's RBAC lists and watches Nodes, it never gets one.
    node = ctx.deps.cache(resources.NODE).get(str(node_name))
    if node is None:
        return Complete(f"node {node_name} not found")
    wanted = wanted_store_labels(
        ctx.view.replication.location_labels,
        node["metadata"].get("labels") or {},
        ctx.tikv.spec.server.labels,
    )
    missing = missing_store_labels(store, wanted)
    if not missing:
        return Complete("in sync")
    await pd.set_store_labels(store.store.id, missing)
    text = ",".join(f"{k}={v}" for k, v in sorted(missing.items()))
    ctx.event("Normal", reasons.EVENT_STORE_LABELS, "SetStoreLabels", f"store labels {text}")
    return Complete(f"set {text}")
