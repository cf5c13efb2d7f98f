"""The client and peer Services of the group."""

from __future__ import annotations

from controllers.common.objects import Object
from controllers.common.runner import Complete, TaskResult
from controllers.pdgroup.build import build_services
from controllers.pdgroup.context import GroupContext
from tikv_operator.kube import resources


def _differs(want: Object, have: Object | None) -> bool:
    if have is None:
        return True
    spec = have.get("spec") or {}
    wanted = want["spec"]
    keys = ("selector", "publishNotReadyAddresses")
    if any(spec.get(k) != wanted.get(k) for k in keys):
        return True
    ports = {(p.get("name"), p.get("port")) for p in spec.get("ports") or ()}
    return ports != {(p["name"], p["port"]) for p in wanted["ports"]}


async def apply_services(ctx: GroupContext) -> TaskResult:
    written = []
    for service in build_services(ctx.group):
        key = f"{ctx.namespace}/{service['metadata']['name']}"
        if _differs(service, ctx.deps.cache(resources.SERVICE).get(key)):
            await ctx.deps.client.apply(resources.SERVICE, service)
            written.append(service["metadata"]["name"])
    return Complete(f"wrote {', '.join(written)}" if written else "")
