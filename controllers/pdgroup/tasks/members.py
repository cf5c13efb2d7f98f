"""Membership changes of the group: bootstrap a new cluster, add one member, remove one."""

from __future__ import annotations

from apis import PD, labels
from apis import conditions as cond
from apis.pd import initial_members
from controllers.common.conditions import available_in, find, is_true
from controllers.common.runner import Complete, Retry, TaskResult, Wait
from controllers.common.safety import UnsafeToProceed, guard_instance
from controllers.common.topology import choose_topology
from controllers.common.updater import Hold, Settled, member_states
from controllers.pdgroup import reasons
from controllers.pdgroup.build import build_instance, new_instance_name
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.decisions import Create, Instance, Remove, ScaleStep, scale_step
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError

UNSAFE_RETRY = 30.0
HOLD_RETRY = 5.0
CACHE_RETRY = 1.0


def status_is_current(pd: PD) -> bool:
    """The instance controller has reported on the instance's latest spec. Right after the
    group moves an instance to a new template its status still describes the old Pod
    (Ready, Synced): trusting it would start the next member's restart at once (rule 6)."""
    return pd.status.observed_generation == pd.metadata.generation


def reported_down(pd: PD) -> bool:
    """Its status, about its current spec, says the instance is down: not Ready because of
    the instance itself (no Pod, a Pod not Ready, a member PD calls unhealthy or has not
    seen join). Not Ready only because PD could not be asked says nothing about it: taken
    for down, a PD outage in a rolling update moved every outdated member to the new
    template at once, and they restarted together once PD answered (rule 6)."""
    ready = find(pd.status.conditions, cond.READY)
    if ready is not None and (ready.status == "True" or ready.reason == cond.PD_UNAVAILABLE):
        return False
    return status_is_current(pd)


def instance_view(ctx: GroupContext, pd: PD) -> Instance:
    """What the group's decisions know of one instance. It counts as Ready only once it has
    been Ready for the group's minReadySeconds."""
    name = str(pd.metadata.name)
    view = ctx.view
    min_ready = ctx.group.spec.min_ready_seconds
    return Instance(
        name=name,
        revision=pd.metadata.labels.get(labels.INSTANCE_REVISION_HASH),
        ready=available_in(pd.status.conditions, min_ready, ctx.now) == 0,
        synced=status_is_current(pd) and is_true(pd.status.conditions, cond.SYNCED),
        broken=reported_down(pd),
        deleting=pd.metadata.deletion_timestamp is not None,
        member=view.member(name) is not None if view is not None else False,
        healthy=view.healthy(name) if view is not None else False,
        leader=view.leader == name if view is not None else pd.status.is_leader,
        topology=dict(pd.spec.topology),
        created=pd.metadata.creation_timestamp,
    )


async def _listed_names(ctx: GroupContext) -> set[str]:
    """The group's instances as the API server (not the cache) lists them right now: a
    create decided on a cache that has not seen our last create would add two members."""
    selector = f"{labels.CLUSTER}={ctx.group.spec.cluster.name},{labels.GROUP}={ctx.name}"
    listed = await ctx.deps.client.list(resources.PD, ctx.namespace, label_selector=selector)
    uid = ctx.group.metadata.uid
    return {
        item["metadata"]["name"]
        for item in listed.items
        if any(ref.get("uid") == uid for ref in item["metadata"].get("ownerReferences") or ())
    }


def _bootstrapping(ctx: GroupContext) -> bool:
    """A new cluster: nothing has ever joined PD, and every instance so far is one of the
    initial members (a crash may have cut their creation short)."""
    if ctx.cluster.status.id is not None:
        return False
    if ctx.view is not None and ctx.view.members:
        return False
    return all(
        initial_members(p) and not is_true(p.status.conditions, cond.INITIALIZED)
        for p in ctx.instances
    )


async def _create(ctx: GroupContext, name: str, initial: list[str] | None) -> None:
    existing = [p.spec.topology for p in ctx.instances]
    topology = choose_topology(ctx.group.spec.schedule_policies, existing)
    obj = build_instance(ctx.group, name, ctx.revision, topology, initial)
    await ctx.deps.client.create(resources.PD, obj)
    ctx.instances.append(PD.model_validate(obj))


async def bootstrap(ctx: GroupContext) -> TaskResult:
    """Create all initial members of a new cluster at once, each told the full list, since
    PD forms its first quorum only from members started with the same `initial-cluster`."""
    if not _bootstrapping(ctx):
        return Complete()
    replicas = ctx.group.spec.replicas
    if not ctx.instances:
        if replicas == 0:
            return Complete()
        if await _listed_names(ctx):
            return Retry(CACHE_RETRY, "the cache has not seen instances the API server lists")
        names = sorted(new_instance_name(ctx.group) for _ in range(replicas))
    else:
        names = initial_members(ctx.instances[0])
    have = {str(p.metadata.name) for p in ctx.instances}
    missing = [n for n in names if n not in have]
    for name in missing:
        try:
            await _create(ctx, name, names)
        except ApiError as error:
            if not error.conflict:
                raise
    if missing:
        ctx.event(
            "Normal",
            reasons.BOOTSTRAP,
            "CreateInstances",
            f"bootstrapping PD with initial members {', '.join(names)}",
        )
    return Wait(f"waiting for the initial members {', '.join(names)} to form PD")


async def scale(ctx: GroupContext) -> TaskResult:
    return await change_membership(ctx, ctx.group.spec.replicas)


def decide_scale(ctx: GroupContext, replicas: int) -> ScaleStep:
    members = member_states(ctx.view) if ctx.view is not None else None
    infos = [instance_view(ctx, p) for p in ctx.instances]
    return scale_step(replicas, infos, members, ctx.group.spec.schedule_policies)


async def change_membership(ctx: GroupContext, replicas: int) -> TaskResult:
    step = decide_scale(ctx, replicas)
    match step:
        case Settled():
            return Complete()
        case Hold(message=message, blocked=blocked):
            if blocked:
                ctx.blocked = step
                ctx.event("Warning", step.reason, "Scale", message)
            return Retry(HOLD_RETRY, message)
        case Create():
            return await _add_member(ctx)
        case Remove(name=name):
            return await _remove_member(ctx, name, replicas)
    raise AssertionError(f"unknown scale step {step!r}")


async def _add_member(ctx: GroupContext) -> TaskResult:
    if await _listed_names(ctx) != {str(p.metadata.name) for p in ctx.instances}:
        return Retry(CACHE_RETRY, "the cache is behind the API server; deciding again")
    name = new_instance_name(ctx.group)
    try:
        await _create(ctx, name, None)
    except ApiError as error:
        if not error.conflict:
            raise
        return Retry(CACHE_RETRY, f"instance name {name} is taken; trying another")
    note = f"added PD member {name} ({len(ctx.instances)} of {ctx.group.spec.replicas})"
    ctx.event("Normal", reasons.SCALED_OUT, "CreateInstance", note)
    return Wait(f"added {name}; waiting for it to join PD")


async def _remove_member(ctx: GroupContext, name: str, replicas: int) -> TaskResult:
    victim = next(p for p in ctx.instances if p.metadata.name == name)
    try:
        await guard_instance(ctx, resources.PD, PD, victim)
        if decide_scale(ctx, replicas) != Remove(name):  # again, on PD's fresh view
            return Retry(CACHE_RETRY, f"PD's view changed since {name} was chosen; deciding again")
    except UnsafeToProceed as error:
        ctx.blocked = Hold(str(error), blocked=True, reason=reasons.UNSAFE)
        ctx.event("Warning", reasons.UNSAFE, "DeleteInstance", str(error))
        return Retry(UNSAFE_RETRY, str(error))
    meta = victim.metadata
    await ctx.deps.client.delete(resources.PD, name, ctx.namespace, uid=meta.uid)
    note = f"removing PD member {name}; its instance leaves PD before its Pod goes"
    ctx.event("Normal", reasons.SCALED_IN, "DeleteInstance", note)
    return Wait(f"removing {name}; waiting for it to leave PD")
