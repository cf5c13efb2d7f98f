"""What the Cluster asks of every controller below it: paused, suspended, being deleted.

The instance and group controllers read these through one place, so that "paused" or
"suspendCompute" means the same thing to all five controllers.
"""

from __future__ import annotations

from apis import Cluster
from controllers.common.deps import Deps
from tikv_operator.kube import resources


async def read_cluster(deps: Deps, namespace: str, name: str) -> Cluster | None:
    """The Cluster an instance or group names, or None when it does not exist.

    A Cluster the cache does not hold is asked of the API server: the cache may lag a fresh
    Cluster, and "no Cluster" lets a deleting instance skip the safe one-by-one removal."""
    obj = deps.cache(resources.CLUSTER).get(f"{namespace}/{name}")
    if obj is None:
        obj = await deps.client.get_or_none(resources.CLUSTER, name, namespace)
    return Cluster.model_validate(obj) if obj is not None else None


def is_paused(cluster: Cluster) -> bool:
    """Stop changing anything of this cluster (status may still be reported)."""
    return cluster.spec.paused


def is_compute_suspended(cluster: Cluster) -> bool:
    """Pods of this cluster are to be deleted and not recreated; PVCs, instance CRs and
    PD membership stay, so that resuming brings the same members and stores back."""
    return cluster.spec.suspend_action.suspend_compute


def is_deleting(cluster: Cluster | None) -> bool:
    """The whole cluster is going away (or already gone): groups delete their instances
    straight away instead of scaling in one by one, since there is nowhere to move data."""
    return cluster is None or cluster.metadata.deletion_timestamp is not None
