"""Read the Cluster and everything that belongs to it from the informer caches."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError

from apis import PD, Cluster, PDGroup, TiKV, TiKVGroup
from apis.meta import Resource
from controllers.cluster.context import ClusterContext
from controllers.common.invalid import refuse_invalid_spec
from controllers.common.runner import Complete, TaskResult, Wait
from tikv_operator.kube import resources
from tikv_operator.kube.cache import BY_CLUSTER, BY_NAMESPACE
from tikv_operator.kube.resources import ResourceKind

R = TypeVar("R", PDGroup, TiKVGroup, PD, TiKV)


def _members_of(ctx: ClusterContext, kind: ResourceKind, model: type[R]) -> list[R]:
    """Objects of `kind` in the namespace whose spec.cluster.name is this Cluster."""
    out: list[R] = []
    for obj in ctx.deps.cache(kind).by_index(BY_NAMESPACE, ctx.namespace):
        if (obj.get("spec") or {}).get("cluster", {}).get("name") != ctx.name:
            continue
        try:
            out.append(model.model_validate(obj))
        except ValidationError:
            # Its own controller reports why (InvalidSpec); the Cluster says which objects
            # it cannot account for, and the brake sees their addresses as unowned.
            ctx.invalid.append(f"{kind.kind} {obj['metadata']['name']}")
    return sorted(out, key=_name)


def _name(obj: Resource) -> str:
    return str(obj.metadata.name)


async def load_cluster(ctx: ClusterContext) -> TaskResult:
    raw = ctx.deps.cache(resources.CLUSTER).get(ctx.key)
    if raw is None:
        await ctx.deps.pd.remove(ctx.key)  # nobody needs this cluster's PD view any more
        return Wait("the Cluster is gone")
    ctx.raw = raw
    try:
        ctx.loaded = Cluster.model_validate(raw)
    except ValidationError as error:
        return await refuse_invalid_spec(ctx, raw, error)
    ctx.recorded_id = ctx.loaded.status.id
    ctx.conditions = list(ctx.loaded.status.conditions)
    ctx.pd_groups = _members_of(ctx, resources.PDGROUP, PDGroup)
    ctx.tikv_groups = _members_of(ctx, resources.TIKVGROUP, TiKVGroup)
    ctx.pds = _members_of(ctx, resources.PD, PD)
    ctx.tikvs = _members_of(ctx, resources.TIKV, TiKV)
    ctx.pods = ctx.deps.cache(resources.POD).by_index(BY_CLUSTER, ctx.key)
    ctx.pvcs = ctx.deps.cache(resources.PVC).by_index(BY_CLUSTER, ctx.key)
    return Complete(
        f"{len(ctx.pd_groups)} PD and {len(ctx.tikv_groups)} TiKV groups, "
        f"{len(ctx.pds)} PD and {len(ctx.tikvs)} TiKV instances"
    )
