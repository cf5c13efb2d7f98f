"""Load the instance, its Cluster, its Pod and its sibling instances."""

from __future__ import annotations

from apis import TiKV
from controllers.common.load import load_member
from controllers.common.runner import Complete, TaskResult
from controllers.tikv.context import Context
from tikv_operator.kube import resources
from tikv_operator.kube.cache import BY_OWNER_UID
from tikv_operator.kube.resources import controller_owner


async def load(ctx: Context) -> TaskResult:
    loaded = await load_member(ctx, resources.TIKV, TiKV)
    if not isinstance(loaded, Complete):
        return loaded
    ctx.pod = _own_pod(ctx)
    ctx.siblings = _siblings(ctx)
    return Complete()


def _own_pod(ctx: Context) -> dict[str, object] | None:
    pod = ctx.deps.cache(resources.POD).get(ctx.key)
    if pod is None:
        return None
    owner = controller_owner(pod)
    if owner is None or owner.get("uid") != ctx.tikv.metadata.uid:
        raise ForeignPod(f"Pod {ctx.key} exists but is not controlled by this TiKV")
    return pod


def _siblings(ctx: Context) -> list[TiKV]:
    owner = controller_owner(ctx.raw or {})
    if owner is None or not owner.get("uid"):
        return []
    objs = ctx.deps.cache(resources.TIKV).by_index(BY_OWNER_UID, owner["uid"])
    return [
        TiKV.model_validate(o) for o in objs if o["metadata"].get("uid") != ctx.tikv.metadata.uid
    ]


class ForeignPod(Exception):
    """A Pod with the instance's name belongs to someone else; it is never touched."""
