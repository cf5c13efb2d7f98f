"""Rolling update: move one instance at a time to the group's template (rules 5, 6), TiKV
only after PD (upgradePolicy Default)."""

from __future__ import annotations

from apis import TiKV
from controllers.common.runner import Complete, Retry, TaskResult
from controllers.common.safety import UnsafeToProceed, fresh_read
from controllers.common.updater import Hold, Settled, Update
from controllers.tikvgroup import reasons
from controllers.tikvgroup.build import instance_update_patch
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.decisions import (
    PDGroupVersion,
    PDMember,
    pd_upgrade_gate,
    pd_view_gate,
    update_step,
)
from tikv_operator.kube import resources
from tikv_operator.kube.cache import BY_NAMESPACE


def pd_groups_of_cluster(ctx: Context) -> list[PDGroupVersion]:
    """Read from the raw objects, not the models: a PDGroup whose spec the operator cannot
    honour (its own controller says so) must hold this cluster's TiKV upgrade, not fail it,
    and must not touch another cluster's at all."""
    out = []
    for raw in ctx.deps.cache(resources.PDGROUP).by_index(BY_NAMESPACE, ctx.namespace):
        spec, status = raw.get("spec") or {}, raw.get("status") or {}
        if (spec.get("cluster") or {}).get("name") != ctx.group.spec.cluster.name:
            continue
        target = ((spec.get("template") or {}).get("spec") or {}).get("version")
        out.append(PDGroupVersion(raw["metadata"]["name"], str(target), status.get("version")))
    return out


def pd_members(ctx: Context) -> list[PDMember] | None:
    if ctx.view is None:
        return None
    return [
        PDMember(m.name, bool(m.name) and ctx.view.healthy(m.name), m.binary_version)
        for m in ctx.view.members
    ]


async def rolling_update(ctx: Context) -> TaskResult:
    target = ctx.group.spec.template.spec.version
    leader = ctx.view.leader if ctx.view is not None else ""
    gate = pd_upgrade_gate(target, pd_groups_of_cluster(ctx)) or pd_view_gate(
        target, pd_members(ctx), leader, ctx.pd_error
    )
    step = update_step(ctx.facts(), ctx.revision, target, gate)
    match step:
        case Settled():
            return Complete("all instances at the update revision")
        case Hold(message=message, blocked=blocked, reason=reason):
            if blocked and ctx.blocked is None:
                ctx.block(reason, message)
                ctx.event("Warning", reasons.EVENT_BLOCKED, "Update", message)
            ctx.requeue(10)
            return Complete(message)
        case Update(name=name):
            instance = ctx.instance(name)
            try:
                fresh = await fresh_read(ctx.deps.client, resources.TIKV, TiKV, instance)
            except UnsafeToProceed as e:
                return Retry(2, str(e))
            current = {"labels": fresh.metadata.labels, "annotations": fresh.metadata.annotations}
            spec = fresh.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
            patch = instance_update_patch(ctx.group, name, ctx.revision, current, spec)
            patch["metadata"]["uid"] = instance.metadata.uid
            await ctx.deps.client.patch(resources.TIKV, name, patch, ctx.namespace)
            note = f"updating {name} to revision {ctx.revision}"
            ctx.event("Normal", reasons.EVENT_UPDATE, "Update", note)
            return Complete(note)
    raise AssertionError(f"unknown update step {step!r}")
