"""Failover: one replacement at a time for a store that is down with its Pod not Ready
(DESIGN §6, rule 15). Decisions are in `controllers.tikvgroup.failover`; this task gathers
the facts and acts, writing each record before the instance it names exists."""

from __future__ import annotations

from apis import TiKV
from apis import conditions as cond
from apis.common import FailoverRecord
from apis.types import parse_duration
from controllers.common import stuckpods
from controllers.common.conditions import is_true
from controllers.common.failovers import failovers, write_records
from controllers.common.objects import key_of
from controllers.common.pods import pod_ready
from controllers.common.runner import Complete, TaskResult
from controllers.common.stores import advertise_address, find_store, last_heard
from controllers.common.updater import Hold, Settled
from controllers.tikvgroup import reasons
from controllers.tikvgroup.build import new_instance_name
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.failover import (
    CHOSEN,
    CREATED,
    UNHEALTHY_STATE_NAMES,
    UP,
    Advance,
    Candidate,
    Create,
    Forget,
    Policy,
    Replace,
    failover_step,
)
from controllers.tikvgroup.tasks.scale import create_instance
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError

POLL = 10.0


def policy_of(ctx: Context) -> Policy:
    spec = ctx.group.spec.failover
    return Policy(
        enabled=spec.enabled,
        store_down_timeout=parse_duration(spec.store_down_timeout),
        max_failover_count=spec.max_failover_count,
        recover_automatically=spec.recover_automatically,
    )


def candidate(ctx: Context, tikv: TiKV) -> Candidate:
    """PD's view of the instance's store when there is one, else what its status last said."""
    pod = ctx.deps.cache(resources.POD).get(key_of(tikv))
    store = find_store(ctx.view.stores, advertise_address(tikv)) if ctx.view else None
    store_id: int | None
    state: str | None
    if store is not None:
        store_id, state = store.store.id, store.store.state_name.value
        heartbeat = last_heard(store)
    else:
        store_id = int(tikv.status.id) if tikv.status.id else None
        state, heartbeat = tikv.status.state_name, tikv.status.last_heartbeat_time
    return Candidate(
        name=str(tikv.metadata.name),
        store_id=store_id,
        state_name=state,
        last_heartbeat=heartbeat,
        pod_ready=pod_ready(pod),
        ready=is_true(tikv.status.conditions, cond.READY),
        active=not tikv.spec.offline and tikv.metadata.deletion_timestamp is None,
    )


async def failover(ctx: Context) -> TaskResult:
    # The counter's series exists from the group's first reconcile, at 0: `increase()` sees
    # the first failover (a series born at 1 shows no increase), so the alert fires.
    failovers(ctx, "tikv")
    candidates = [candidate(ctx, i) for i in ctx.instances]
    if any(c.state_name in UNHEALTHY_STATE_NAMES and not c.pod_ready for c in candidates):
        # Nothing announces that storeDownTimeout has passed: look again.
        ctx.requeue(POLL)
    step = failover_step(
        candidates,
        ctx.failover,
        policy_of(ctx),
        pd_leader=ctx.view is not None and bool(ctx.view.leader),
        now=ctx.now,
    )
    match step:
        case Settled():
            return Complete()
        case Hold(message=message, reason=reason):
            if ctx.condition_reason(cond.BLOCKED) != reason:
                ctx.event("Warning", reasons.EVENT_BLOCKED, "Failover", message)
            if ctx.blocked is None:
                ctx.block(reason, message)
            ctx.requeue(POLL)
            return Complete(message)
        case Replace(instance=instance, store_id=store_id, reason=why):
            return await _replace(ctx, instance, store_id, why)
        case Create(instance=instance, replacement=replacement):
            return await _create(ctx, instance, replacement)
        case Advance(instance=instance, step=next_step):
            return await _advance(ctx, instance, next_step)
        case Forget(instance=instance, why=why):
            ctx.failover = [r for r in ctx.failover if r.instance != instance]
            await _save(ctx)
            note = f"failover of {instance} is over: {why}"
            ctx.event("Normal", reasons.EVENT_FAILOVER_RECOVERED, "Failover", note)
            return Complete(note)
    raise AssertionError(f"unknown failover step {step!r}")


async def _replace(ctx: Context, instance: str, store_id: int | None, why: str) -> TaskResult:
    taken = {str(i.metadata.name) for i in ctx.instances}
    record = FailoverRecord(
        instance=instance,
        id=str(store_id) if store_id is not None else None,
        replacement=new_instance_name(ctx.group, taken),
        reason=why,
        time=ctx.now,
        step=CHOSEN,
    )
    ctx.failover = [*ctx.failover, record]
    # Written first: a crash after this line resumes with this replacement, never a second.
    await _save(ctx)
    note = f"replacing {instance}: {why}; adding {record.replacement}"
    ctx.event("Warning", reasons.EVENT_FAILOVER_STARTED, "Failover", note)
    return await _create(ctx, instance, str(record.replacement))


async def _create(ctx: Context, instance: str, replacement: str) -> TaskResult:
    try:
        await create_instance(ctx, replacement)
    except ApiError as e:
        if not e.conflict:
            raise
    else:
        failovers(ctx, "tikv").inc()
    return await _advance(ctx, instance, CREATED)


async def _advance(ctx: Context, instance: str, step: str) -> TaskResult:
    ctx.failover = [
        r.model_copy(update={"step": step}) if r.instance == instance else r for r in ctx.failover
    ]
    await _save(ctx)
    note = f"failover of {instance}: {step}"
    if step == UP:
        ctx.event("Normal", reasons.EVENT_FAILOVER_FINISHED, "Failover", note)
    ctx.requeue(1)
    return Complete(note)


async def _save(ctx: Context) -> None:
    await write_records(ctx, ctx.failover)


async def release_stuck_pods(ctx: Context) -> TaskResult:
    """Force-delete a store's Pod stuck on a dead node once its store counts as failed."""
    timeout = policy_of(ctx).store_down_timeout

    def failed(tikv: TiKV) -> str | None:
        return candidate(ctx, tikv).failed(ctx.now, timeout)

    released = await stuckpods.release_stuck_pods(ctx, ctx.instances, failed, POLL)
    return Complete(f"force-deleted {', '.join(released)}" if released else "")
