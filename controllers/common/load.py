"""The first tasks of every group and instance reconcile: load the object and the Cluster it
names from the caches, and stop while that Cluster is paused."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from apis import PD, PDGroup, TiKV, TiKVGroup
from controllers.common.clusterstate import is_paused, read_cluster
from controllers.common.context import ReconcileContext
from controllers.common.invalid import refuse_invalid_spec
from controllers.common.runner import (
    Branch,
    Complete,
    Step,
    Task,
    TaskFn,
    TaskResult,
    Wait,
    task,
    when,
)
from tikv_operator.kube.resources import ResourceKind

M = TypeVar("M", PD, PDGroup, TiKV, TiKVGroup)
C = TypeVar("C", bound=ReconcileContext[Any])


async def load_member(ctx: ReconcileContext[M], kind: ResourceKind, model: type[M]) -> TaskResult:
    """Load the object, its conditions and its Cluster. A missing Cluster stops everything
    but a deletion (which must be able to finish without it)."""
    raw = ctx.deps.cache(kind).get(ctx.key)
    if raw is None:
        return Wait(f"the {kind.kind} is gone")
    ctx.raw = raw
    try:
        obj = model.model_validate(raw)
    except ValidationError as error:
        return await refuse_invalid_spec(ctx, raw, error)
    ctx.loaded = obj
    ctx.conditions = list(obj.status.conditions)
    name = obj.spec.cluster.name
    try:
        ctx.loaded_cluster = await read_cluster(ctx.deps, ctx.namespace, name)
    except ValidationError:
        # Its own controller reports it; nothing of this object changes meanwhile.
        return Wait(f"Cluster {ctx.namespace}/{name} has a spec the operator cannot honour")
    if ctx.loaded_cluster is None and not ctx.deleting:
        return Wait(f"Cluster {ctx.namespace}/{name} does not exist; waiting for it to be created")
    return Complete()


async def stop_if_paused(ctx: ReconcileContext[Any]) -> TaskResult:
    if ctx.loaded_cluster is not None and is_paused(ctx.loaded_cluster):
        return Wait("the Cluster is paused; set spec.paused=false to resume")
    return Complete()


def is_deleting(ctx: ReconcileContext[Any]) -> bool:
    """The object is being deleted: its controller runs its deletion branch only."""
    return ctx.deleting


def opening(load: TaskFn[C], pd: TaskFn[C]) -> list[Step[C]]:
    """The first steps of every group and instance reconcile: load the object and its
    Cluster, stop while the Cluster is paused, read PD's view of the cluster."""
    return [task("load", load), task("paused", stop_if_paused), task("pd", pd)]


def on_deletion(*tasks: Task[C]) -> Branch[C]:
    """The deletion branch of a reconcile: its tasks run instead of the rest, and end it."""
    return when("deleting", is_deleting, *tasks)
