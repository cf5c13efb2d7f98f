"""The checks in front of every destructive step of a PD instance (rules 8, 10, 11, 12)."""

from __future__ import annotations

from apis import PD, Cluster
from controllers.common.safety import (
    UnsafeToProceed,
    brake_reason,
    check_cluster_identity,
    fresh_read,
)
from controllers.pd.context import PDContext
from tikv_operator.kube import resources


async def guard(ctx: PDContext) -> None:
    """Raise UnsafeToProceed unless the Cluster (read fresh) has no safety brake engaged,
    PD still answers with the recorded cluster id, and the instance read fresh is the one
    the decision was made about."""
    client = ctx.deps.client
    if ctx.loaded_cluster is not None:
        meta = ctx.cluster.metadata
        current = await client.get_or_none(resources.CLUSTER, str(meta.name), meta.namespace)
        if current is not None:
            cluster = Cluster.model_validate(current)
            reason = brake_reason(cluster)
            if reason is not None:
                raise UnsafeToProceed(f"safety brake engaged ({reason})")
            if ctx.view is not None:
                check_cluster_identity(cluster, ctx.view.cluster_id)
    await fresh_read(client, resources.PD, PD, ctx.pd)
