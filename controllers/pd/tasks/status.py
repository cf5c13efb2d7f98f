"""Status of a PD instance: member id, leadership, health and conditions."""

from __future__ import annotations

from apis import PDStatus
from apis import conditions as cond
from apis.labels import INSTANCE_REVISION_HASH
from apis.meta import Condition
from controllers.common.clusterstate import is_compute_suspended
from controllers.common.conditions import Status, is_true, set_condition
from controllers.common.objects import Object
from controllers.common.pdview import PD_PENDING
from controllers.common.pods import pod_ready, pod_ready_since
from controllers.common.restart import needs_recreate
from controllers.common.runner import Complete, TaskResult
from controllers.pd import reasons
from controllers.pd.build import build_config, build_pod
from controllers.pd.context import PDContext
from tikv_operator.kube import resources


def ready_condition(ctx: PDContext, pod: Object | None) -> tuple[Status, str, str]:
    if pod is None and is_compute_suspended(ctx.cluster):
        return "False", reasons.SUSPENDED, "compute is suspended; the Pod is deleted"
    if pod is None:
        return "False", reasons.POD_MISSING, "the Pod does not exist yet"
    if not pod_ready(pod):
        return "False", reasons.POD_NOT_READY, "the Pod is not Ready"
    if ctx.view is None:
        return "False", reasons.PD_UNAVAILABLE, f"PD cannot be asked: {ctx.pd_error}"
    if not ctx.is_member:
        return "False", reasons.MEMBER_NOT_JOINED, "PD does not list this member yet"
    if not ctx.view.healthy(ctx.name):
        return "False", reasons.MEMBER_UNHEALTHY, "PD reports this member unhealthy"
    return "True", reasons.POD_READY, "the Pod is Ready and PD reports the member healthy"


def suspended_condition(ctx: PDContext, pod: Object | None) -> tuple[Status, str, str]:
    """True once the Pod is gone for suspendCompute; False while it still has to go."""
    if not is_compute_suspended(ctx.cluster):
        return "False", reasons.NOT_SUSPENDED, "compute is not suspended"
    if pod is None:
        return (
            "True",
            reasons.SUSPENDED,
            "compute is suspended: the Pod is deleted, PVCs, ConfigMap and PD membership kept",
        )
    note = ctx.suspend_note or "compute is suspended; the Pod is still to be deleted"
    return "False", reasons.SUSPENDING, note


def conditions(ctx: PDContext, pod: Object | None) -> list[Condition]:
    pd = ctx.pd
    now, gen = ctx.deps.now(), pd.metadata.generation
    out = list(ctx.conditions)  # as the tasks left them (a PVC that cannot grow)
    status, reason, message = ready_condition(ctx, pod)
    out = set_condition(
        out,
        cond.READY,
        status,
        reason,
        message,
        generation=gen,
        now=now,
        began=pod_ready_since(pod),  # minReadySeconds counts from the Pod's readiness
    )
    desired = ctx.desired_pod or build_pod(pd, ctx.config or build_config(pd, ctx.tls), ctx.tls)
    if pod is not None and not needs_recreate(pod, desired, pd.spec.update_strategy.config):
        synced: tuple[Status, str, str] = ("True", reasons.SYNCED, "the Pod matches the spec")
    else:
        synced = ("False", reasons.POD_OUTDATED, "the Pod does not match the spec yet")
    out = set_condition(out, cond.SYNCED, *synced, generation=gen, now=now)
    if ctx.is_member or is_true(out, cond.INITIALIZED):
        init: tuple[Status, str, str] = ("True", reasons.JOINED, "the member joined PD")
    else:
        init = ("False", reasons.NOT_JOINED, "the member has not joined PD yet")
    out = set_condition(out, cond.INITIALIZED, *init, generation=gen, now=now)
    suspended = suspended_condition(ctx, pod)
    return set_condition(out, cond.SUSPENDED, *suspended, generation=gen, now=now)


def desired_status(ctx: PDContext) -> PDStatus:
    pd = ctx.pd
    pod = ctx.deps.cache(resources.POD).get(ctx.key)
    status = pd.status.model_copy(deep=True)
    status.observed_generation = pd.metadata.generation
    status.conditions = ctx.conditions = conditions(ctx, pod)
    status.update_revision = pd.metadata.labels.get(INSTANCE_REVISION_HASH)
    if pod is not None:
        status.current_revision = (pod["metadata"].get("labels") or {}).get(INSTANCE_REVISION_HASH)
    if ctx.view is not None:
        member = ctx.view.member(ctx.name)
        status.id = str(member.member_id) if member is not None else status.id
        status.is_leader = ctx.is_leader
        status.health = ctx.view.healthy(ctx.name)
    return status


async def write_status(ctx: PDContext) -> TaskResult:
    if ctx.pd_state.pending:
        return Complete(f"kept: {PD_PENDING}")
    return await ctx.write_status(ctx.pd.status, desired_status(ctx))
