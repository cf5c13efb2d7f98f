"""Replica reconciliation: create, revive, offline (one store at a time) and delete
instances, refusing a scale-in PD could not survive (rules 1, 2, 13)."""

from __future__ import annotations

from apis import TiKV, TiKVGroup
from apis import conditions as cond
from controllers.common.conditions import is_true
from controllers.common.runner import Complete, Retry, TaskResult
from controllers.common.safety import (
    StaleDecision,
    UnsafeToProceed,
    fresh_read,
    guard_instance,
)
from controllers.common.topology import choose_topology
from controllers.common.updater import Hold, Settled
from controllers.tikvgroup import reasons
from controllers.tikvgroup.build import build_instance, new_instance_name
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.decisions import (
    Create,
    Delete,
    Offline,
    PDFacts,
    Revive,
    ScaleStep,
    needs_scale_in,
    scale_step,
)
from controllers.tikvgroup.tasks.load import live_instances
from tikv_operator.kube import resources
from tikv_operator.pdapi.models import StoreState

POLL = 10.0


def desired_replicas(ctx: Context) -> int:
    """The group's replicas plus one instance per failover record (the replacements).
    Deleting a group (but not its Cluster) is a scale-in to zero under every safety rule."""
    return 0 if ctx.deleting else ctx.group.spec.replicas + len(ctx.failover)


async def scale(ctx: Context) -> TaskResult:
    replicas = desired_replicas(ctx)
    step = await _next_step(ctx, replicas)
    if isinstance(step, (Create, Revive, Offline, Delete)):
        # The cache may not show yet what the previous reconcile wrote (instances it created,
        # the offline it asked for): deciding from it would create the same instances again
        # or offline a second store (rule 13). Decide again from the API server (rule 7).
        ctx.instances = await live_instances(ctx)
        step = await _next_step(ctx, replicas)
    match step:
        case Create(count=count):
            return await _create(ctx, count)
        case Revive(name=name):
            return await _revive(ctx, name)
        case Offline(name=name):
            return await _offline(ctx, name, replicas)
        case Delete(name=name):
            return await _delete(ctx, name)
        case Hold(message=message, blocked=blocked, reason=reason):
            if blocked:
                ctx.block(reason, message)
                refused = reason in (reasons.MAX_REPLICAS, reasons.STORES_NOT_ENOUGH)
                ctx.event(
                    "Warning",
                    reasons.EVENT_SCALE_IN_REFUSED if refused else reasons.EVENT_BLOCKED,
                    "Scale",
                    message,
                )
                ctx.requeue(30)
            else:
                ctx.requeue(POLL)
            return Complete(message)
        case Settled():
            return Complete("settled")
    raise AssertionError(f"unknown scale step {step!r}")


async def _next_step(ctx: Context, replicas: int) -> ScaleStep:
    facts = ctx.facts()
    pd = _pd_facts(ctx) if needs_scale_in(replicas, facts) else None
    return scale_step(replicas, facts, pd, ctx.group.spec.schedule_policies)


def _pd_facts(ctx: Context) -> PDFacts | None:
    view = ctx.view
    if view is None:
        return None
    up = sum(1 for s in view.stores if s.store.state == StoreState.UP)
    return PDFacts(up_stores=up, max_replicas=view.replication.max_replicas)


async def create_instance(ctx: Context, name: str) -> None:
    """Create instance `name` in the least crowded topology of the group."""
    topologies = [dict(i.spec.topology) for i in ctx.instances if not i.spec.offline]
    topology = choose_topology(ctx.group.spec.schedule_policies, topologies)
    created = await ctx.deps.client.create(
        resources.TIKV, build_instance(ctx.group, name, ctx.revision, topology)
    )
    ctx.instances.append(TiKV.model_validate(created))


async def _create(ctx: Context, count: int) -> TaskResult:
    created = []
    for _ in range(count):
        name = new_instance_name(ctx.group, {str(i.metadata.name) for i in ctx.instances})
        await create_instance(ctx, name)
        created.append(name)
    note = f"created {', '.join(created)} to reach {desired_replicas(ctx)} stores"
    ctx.event("Normal", reasons.EVENT_SCALE_OUT, "Scale", note)
    return Complete(note)


async def _revive(ctx: Context, name: str) -> TaskResult:
    instance = ctx.instance(name)
    # The uid in the patch makes it fail on an instance recreated under the same name.
    patch = {"metadata": {"uid": instance.metadata.uid}, "spec": {"offline": False}}
    await ctx.deps.client.patch(resources.TIKV, name, patch, ctx.namespace)
    note = f"scale-out cancels the removal of {name}'s store"
    ctx.event("Normal", reasons.EVENT_REVIVE, "Scale", note)
    return Complete(note)


async def _offline(ctx: Context, name: str, replicas: int) -> TaskResult:
    instance = ctx.instance(name)
    try:
        await guard_instance(ctx, resources.TIKV, TiKV, instance)
        fresh_group = await fresh_read(ctx.deps.client, resources.TIKVGROUP, TiKVGroup, ctx.group)
        # Failover replacements count towards the replicas: a record the cache has not seen
        # yet must not make its replacement look like one instance too many.
        ctx.failover = list(fresh_group.status.failover)
        if not fresh_group.metadata.deletion_timestamp and (
            fresh_group.spec.replicas != ctx.group.spec.replicas
            or desired_replicas(ctx) != replicas
        ):
            raise UnsafeToProceed("the group's replicas changed since the decision")
        if await _next_step(ctx, replicas) != Offline(name):  # again, on PD's fresh view
            return Retry(1, f"PD's view changed since {name} was chosen; deciding again")
    except UnsafeToProceed as e:
        ctx.block(reasons.UNSAFE, f"not offlining {name}: {e}")
        ctx.event("Warning", reasons.EVENT_BLOCKED, "Scale", f"not offlining {name}: {e}")
        return Retry(15, str(e))
    patch = {"metadata": {"uid": instance.metadata.uid}, "spec": {"offline": True}}
    await ctx.deps.client.patch(resources.TIKV, name, patch, ctx.namespace)
    note = f"scaling in to {replicas}: offlining the store of {name}"
    ctx.event("Normal", reasons.EVENT_SCALE_IN, "Scale", note)
    ctx.requeue(POLL)
    return Complete(note)


async def _delete(ctx: Context, name: str) -> TaskResult:
    instance = ctx.instance(name)
    try:
        fresh = await fresh_read(ctx.deps.client, resources.TIKV, TiKV, instance)
        if not (fresh.spec.offline and is_true(fresh.status.conditions, cond.OFFLINED)):
            raise StaleDecision(f"{name} is no longer Offlined")
    except UnsafeToProceed as e:
        return Retry(2, str(e))
    await ctx.deps.client.delete(resources.TIKV, name, ctx.namespace, uid=fresh.metadata.uid)
    note = f"deleted {name}: its store left PD"
    ctx.event("Normal", reasons.EVENT_INSTANCE_DELETED, "Scale", note)
    return Complete(note)
