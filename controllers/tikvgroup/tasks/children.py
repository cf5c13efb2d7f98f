"""The group's finalizer and its headless peer Service."""

from __future__ import annotations

from controllers.common.runner import Complete, TaskResult
from controllers.tikvgroup.build import build_peer_service
from controllers.tikvgroup.context import Context
from tikv_operator.kube import resources


async def apply_service(ctx: Context) -> TaskResult:
    desired = build_peer_service(ctx.group)
    have = ctx.deps.cache(resources.SERVICE).get(f"{ctx.namespace}/{desired['metadata']['name']}")
    if have is not None and _same(have, desired):
        return Complete("unchanged")
    await ctx.deps.client.apply(resources.SERVICE, desired)
    return Complete("applied")


def _same(have: dict[str, object], desired: dict[str, object]) -> bool:
    spec = have.get("spec")
    want = desired["spec"]
    assert isinstance(want, dict)
    return (
        isinstance(spec, dict)
        and all(spec.get(k) == v for k, v in want.items() if k != "ports")
        and [(p.get("name"), p.get("port")) for p in spec.get("ports") or ()]
        == [(p["name"], p["port"]) for p in want["ports"]]
    )
