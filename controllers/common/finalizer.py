"""The operator's finalizer on instance, group and Cluster objects."""

from __future__ import annotations

from typing import Any

from apis import labels
from apis.meta import Resource
from controllers.common.context import ReconcileContext
from controllers.common.runner import Complete, TaskResult
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import ResourceKind


async def _set_finalizers(
    client: Client, kind: ResourceKind, obj: Resource, want: list[str]
) -> None:
    meta = obj.metadata
    # resourceVersion turns the merge patch into a compare-and-swap: a finalizer list that
    # changed under us (another controller, a user) is never overwritten.
    patch = {"metadata": {"finalizers": want, "resourceVersion": meta.resource_version}}
    await client.patch(kind, str(meta.name), patch, meta.namespace)


async def ensure_finalizer(client: Client, kind: ResourceKind, obj: Resource) -> None:
    if labels.FINALIZER not in obj.metadata.finalizers:
        await _set_finalizers(client, kind, obj, [*obj.metadata.finalizers, labels.FINALIZER])


async def remove_finalizer(client: Client, kind: ResourceKind, obj: Resource) -> None:
    if labels.FINALIZER in obj.metadata.finalizers:
        rest = [f for f in obj.metadata.finalizers if f != labels.FINALIZER]
        await _set_finalizers(client, kind, obj, rest)


async def add_finalizer(ctx: ReconcileContext[Any]) -> TaskResult:
    """Hold the object until its deletion branch has cleaned up after it."""
    await ensure_finalizer(ctx.deps.client, ctx.KIND, ctx.obj)
    return Complete()


async def drop_finalizer(ctx: ReconcileContext[Any]) -> TaskResult:
    """The deletion branch is done: let the object go."""
    await remove_finalizer(ctx.deps.client, ctx.KIND, ctx.obj)
    ctx.finalized = True
    return Complete()
