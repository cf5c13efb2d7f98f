"""PD member failover (DESIGN §6): the runbook of controllers/pdgroup/failover.py, carried out
one step at a time.

Each step is recorded in status.failover before the next one begins, with the group's
resourceVersion as a precondition: a reconcile that read a stale group cannot record a step
twice, and whatever it did before the write was re-derived from the world and guarded, so
repeating it is harmless (the member is deleted by id only while PD lists that id; only the
PVC with the recorded uid is deleted; a Pod only while that PVC still exists). The status
task never writes status.failover, so it cannot undo a record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable

from apis import PD, labels
from apis import conditions as cond
from apis.common import FailoverRecord
from apis.names import pvc_name
from apis.types import parse_duration
from apis.volumes import DATA_VOLUME
from controllers.common import conditions, stuckpods
from controllers.common.clusterstate import is_compute_suspended
from controllers.common.failovers import failovers, write_records
from controllers.common.objects import Object
from controllers.common.pods import delete_pod
from controllers.common.runner import Complete, Retry, TaskResult
from controllers.common.safety import UnsafeToProceed, fresh_snapshot, guard_instance
from controllers.common.updater import Hold, Settled
from controllers.pdgroup import reasons
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.failover import (
    COMPLETED,
    DETECTED,
    HISTORY,
    IN_FLIGHT,
    MEMBER_DELETED,
    RECREATED,
    Advance,
    Candidate,
    DeleteMember,
    FailOver,
    Member,
    NotDue,
    PDMembers,
    Policy,
    Presence,
    Recreate,
    Resume,
    World,
    failover_step,
    in_flight,
    resume_step,
)
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError
from tikv_operator.pdapi import NotFound, PDError
from tikv_operator.pdapi.errors import NoLeader
from tikv_operator.pdapi.poller import Snapshot

HOLD_RETRY = 5.0
"""Back after a block (PD, quorum); PD's changes wake the group sooner."""
WAIT_RETRY = 2.0
"""Back while a step waits for Kubernetes (the old PVC to go), which wakes no group."""
STEP_RETRY = 1.0
PD_RETRY = 5.0
UNSAFE_RETRY = 30.0
MAX_STEPS = 4
"""Steps one reconcile takes at most (detect, delete the member, recreate)."""


def policy(ctx: GroupContext) -> Policy:
    spec = ctx.group.spec.failover
    timeout = parse_duration(spec.unhealthy_timeout).total_seconds()
    return Policy(spec.enabled, timeout, spec.unhealthy_timeout)


def candidates(ctx: GroupContext) -> list[Candidate]:
    """The group's instances with the time their Ready condition went False: a member PD
    reports unhealthy has not been Ready since then."""
    out = []
    for pd in ctx.instances:
        ready = conditions.find(pd.status.conditions, cond.READY)
        since = ready.last_transition_time if ready is not None and ready.status != "True" else None
        deleting = pd.metadata.deletion_timestamp is not None
        out.append(Candidate(str(pd.metadata.name), since, deleting))
    return out


def pd_members(view: Snapshot | None) -> PDMembers | None:
    if view is None:
        return None
    return PDMembers(
        [Member(m.name, m.member_id, bool(m.name) and view.healthy(m.name)) for m in view.members],
        view.leader,
    )


async def _look_again(ctx: GroupContext) -> Retry | None:
    """Put a PD snapshot taken now into the context; a Retry when PD cannot answer."""
    try:
        fresh = await fresh_snapshot(ctx.poller)
    except UnsafeToProceed as error:
        return Retry(PD_RETRY, str(error))
    ctx.pd_state = dataclasses.replace(ctx.pd_state, snapshot=fresh, unavailable=None)
    return None


def pd_problem(ctx: GroupContext) -> Hold | None:
    """Why PD's view is unusable, as a block: no leader, or PD cannot be asked."""
    if ctx.view is not None:
        return None
    last = ctx.poller.snapshot if ctx.poller is not None else None
    if last is not None and isinstance(last.error, NoLeader):
        return Hold(f"PD has no leader ({last.error.message})", True, reasons.NO_LEADER)
    return Hold(f"PD cannot be asked ({ctx.pd_error})", True, reasons.PD_UNAVAILABLE)


def detect(ctx: GroupContext) -> FailOver | NotDue | Hold | Settled:
    return failover_step(
        policy(ctx),
        ctx.now,
        ctx.group.spec.replicas,
        candidates(ctx),
        pd_members(ctx.view),
        pd_problem(ctx),
        suspended=is_compute_suspended(ctx.cluster),
    )


async def failover(ctx: GroupContext) -> TaskResult:
    """Fail over one unhealthy member, or carry on with the failover in flight. While one is
    in flight nothing else changes the group's membership (the reconcile stops here)."""
    failovers(ctx, "pd")
    record = in_flight(ctx.group.status.failover)
    # Right after the operator starts PD has not answered yet: a second, not a block.
    starting = ctx.poller is not None and ctx.poller.snapshot is None
    if record is not None:
        if starting:
            return Retry(STEP_RETRY, f"failover of {record.instance} waits for PD's first answer")
        return await _resume(ctx, record)
    if starting:
        return Complete("PD has not answered yet")
    step = detect(ctx)
    match step:
        case Settled():
            return Complete()
        case NotDue(message=message, after=after):
            ctx.failover_note = message
            ctx.requeue(after)
            return Complete(message)
        case Hold():
            _report(ctx, step)
            return Complete(step.message)
        case FailOver():
            return await _start(ctx, step)
    raise AssertionError(f"unknown failover step {step!r}")


def _report(ctx: GroupContext, hold: Hold) -> None:
    """Say why failover waits: in the Ready condition's message, and for a block also in
    Blocked and a Warning event (repeats of one note become one event's series)."""
    ctx.failover_note = hold.message
    if hold.blocked:
        if ctx.blocked is None:
            ctx.blocked = hold
        ctx.event("Warning", reasons.FAILOVER_BLOCKED, "Failover", hold.message)
    elif hold.reason == reasons.FAILOVER_DISABLED:
        ctx.event("Warning", reasons.MEMBER_UNHEALTHY, "Failover", hold.message)


async def _start(ctx: GroupContext, step: FailOver) -> TaskResult:
    # Decided on the cached view: decide again on one taken now before recording anything.
    unanswered = await _look_again(ctx)
    if unanswered is not None:
        return unanswered
    if detect(ctx) != step:
        return Retry(STEP_RETRY, "PD's view changed since the failover was decided; deciding again")
    pvc = await ctx.deps.client.get_or_none(
        resources.PVC, pvc_name(DATA_VOLUME, step.name), ctx.namespace
    )
    record = FailoverRecord(
        instance=step.name,
        id=str(step.member_id),
        pvc_uid=pvc["metadata"]["uid"] if pvc is not None else None,
        reason=step.reason,
        time=ctx.now,
        step=DETECTED,
    )
    if not await _record(ctx, [*ctx.group.status.failover, record]):
        return Retry(STEP_RETRY, "the group changed since it was read; deciding again")
    note = (
        f"failing over PD member {step.name} (id {step.member_id}): {step.reason}; it is "
        "deleted from PD and its instance comes back on a fresh PVC"
    )
    ctx.event("Warning", reasons.FAILOVER_STARTED, "Failover", note)
    return await _resume(ctx, record)


async def _resume(ctx: GroupContext, record: FailoverRecord) -> TaskResult:
    for _ in range(MAX_STEPS):
        action = await _next(ctx, record)
        match action:
            case Hold(message=message, blocked=blocked):
                _report(ctx, action)
                return Retry(HOLD_RETRY if blocked else WAIT_RETRY, message)
            case Advance(step=step, note=note):
                advanced = record.model_copy(update={"step": step})
                if not await _record(ctx, _replaced(ctx, record, advanced)):
                    return Retry(STEP_RETRY, "the group changed since it was read; deciding again")
                _announce(ctx, advanced, note)
                if step not in IN_FLIGHT:
                    return Complete(note)
                record = advanced
            case DeleteMember(member_id=member_id):
                deleted = await _delete_member(ctx, record, member_id)
                if not isinstance(deleted, FailoverRecord):
                    return deleted
                record = deleted
            case Recreate():
                return await _recreate(ctx, record, action)
    return Retry(STEP_RETRY, f"failover of {record.instance} goes on")


async def _next(ctx: GroupContext, record: FailoverRecord) -> Resume:
    world = await _observe(ctx, record)
    return resume_step(
        record,
        policy(ctx),
        world,
        pd_members(ctx.view),
        pd_problem(ctx),
        ctx.group.spec.replicas,
        candidates(ctx),
    )


def _instance(ctx: GroupContext, name: str) -> PD | None:
    return next((p for p in ctx.instances if p.metadata.name == name), None)


async def _observe(ctx: GroupContext, record: FailoverRecord) -> World:
    """The instance from the cache; its Pod and the recorded PVC from the API server."""
    pd = _instance(ctx, record.instance)
    instance: Presence = "gone" if pd is None else "present"
    if pd is not None and pd.metadata.deletion_timestamp is not None:
        instance = "terminating"
    client = ctx.deps.client
    pvc = await client.get_or_none(
        resources.PVC, pvc_name(DATA_VOLUME, record.instance), ctx.namespace
    )
    pod = await client.get_or_none(resources.POD, record.instance, ctx.namespace)
    return World(
        instance=instance,
        annotated=pd is not None and labels.PD_INITIAL_CLUSTER in pd.metadata.annotations,
        pvc=_presence(pvc, record.pvc_uid),
        pod=pod is not None and not pod["metadata"].get("deletionTimestamp"),
    )


def _presence(obj: Object | None, uid: str | None) -> Presence:
    if obj is None or uid is None or obj["metadata"].get("uid") != uid:
        return "gone"
    return "terminating" if obj["metadata"].get("deletionTimestamp") else "present"


async def _guarded(ctx: GroupContext, record: FailoverRecord, action: Resume) -> Retry | None:
    """The guards of a destructive step (rules 8, 10 to 12: a fresh PD view, the Cluster
    without a brake and with PD's recorded id, the instance read fresh), then the decision
    taken again on what they read. None when `action` still stands."""
    pd = _instance(ctx, record.instance)
    if pd is None:
        return Retry(STEP_RETRY, f"{record.instance} is gone; deciding again")
    try:
        await guard_instance(ctx, resources.PD, PD, pd)
    except UnsafeToProceed as error:
        _report(ctx, Hold(str(error), True, reasons.UNSAFE))
        return Retry(UNSAFE_RETRY, str(error))
    if await _next(ctx, record) != action:
        return Retry(STEP_RETRY, "the world changed since the step was decided; deciding again")
    return None


async def _delete_member(
    ctx: GroupContext, record: FailoverRecord, member_id: int
) -> TaskResult | FailoverRecord:
    """Delete the member by id; the record at its next step once that is recorded."""
    refused = await _guarded(ctx, record, DeleteMember(member_id))
    if refused is not None:
        return refused
    try:
        await ctx.pd_writer().delete_member_by_id(member_id)
    except NotFound:
        pass
    except PDError as error:
        # PD refuses removals for a few seconds after its peers (re)connect.
        return Retry(PD_RETRY, f"deleting member {member_id} of {record.instance} failed: {error}")
    note = f"PD member {record.instance} (id {member_id}) deleted from PD for failover"
    ctx.event("Normal", reasons.MEMBER_DELETED, "DeleteMember", note)
    advanced = record.model_copy(update={"step": MEMBER_DELETED})
    if not await _record(ctx, _replaced(ctx, record, advanced)):
        return Retry(STEP_RETRY, "the group changed since it was read; deciding again")
    unanswered = await _look_again(ctx)
    return unanswered if unanswered is not None else advanced


async def _recreate(ctx: GroupContext, record: FailoverRecord, action: Recreate) -> TaskResult:
    refused = await _guarded(ctx, record, action)
    if refused is not None:
        return refused
    name, client = record.instance, ctx.deps.client
    if action.delete_pvc:
        pvc = pvc_name(DATA_VOLUME, name)
        await _unless_replaced(client.delete(resources.PVC, pvc, ctx.namespace, uid=record.pvc_uid))
    if action.unannotate:
        pd = _instance(ctx, name)
        assert pd is not None  # _guarded found it
        patch = {
            "metadata": {"uid": pd.metadata.uid, "annotations": {labels.PD_INITIAL_CLUSTER: None}}
        }
        await client.patch(resources.PD, name, patch, ctx.namespace)
    if action.delete_pod:
        pod = await client.get_or_none(resources.POD, name, ctx.namespace)
        if pod is not None:
            await _unless_replaced(delete_pod(client, pod))
    ctx.failover_note = f"failover of {name}: waiting for its old data PVC to go"
    return Retry(WAIT_RETRY, ctx.failover_note)


async def _unless_replaced(deletion: Awaitable[bool]) -> None:
    """A deletion with a uid precondition; a 409 says the object of that name is another one
    now, so the one decided about is gone already."""
    try:
        await deletion
    except ApiError as error:
        if not error.conflict:
            raise


def _replaced(ctx: GroupContext, old: FailoverRecord, new: FailoverRecord) -> list[FailoverRecord]:
    records = ctx.group.status.failover
    assert old in records, "a failover record changed behind its task's back"
    return [new if r == old else r for r in records]


async def _record(ctx: GroupContext, records: list[FailoverRecord]) -> bool:
    """Write status.failover (bounded: the last HISTORY finished failovers), only if the group
    is still the one read. False on a conflict: decide again on a fresh read."""
    finished = [r for r in records if r.step not in IN_FLIGHT]
    dropped = finished[: max(0, len(finished) - HISTORY)]
    kept = [r for r in records if r not in dropped]
    try:
        await write_records(ctx, kept)
    except ApiError as error:
        if error.conflict:
            return False
        raise
    return True


def _announce(ctx: GroupContext, record: FailoverRecord, note: str) -> None:
    name = record.instance
    if record.step == RECREATED:
        failovers(ctx, "pd").inc()
        ctx.event(
            "Normal",
            reasons.FAILOVER_RECREATED,
            "Failover",
            f"{note}: {name} comes back on a fresh PVC and joins PD as a new member",
        )
    elif record.step == COMPLETED:
        ctx.event("Normal", reasons.FAILOVER_FINISHED, "Failover", f"failover of {name}: {note}")
    elif record.step not in IN_FLIGHT:
        ctx.event("Normal", reasons.FAILOVER_CANCELLED, "Failover", f"failover of {name}: {note}")


async def release_stuck_pods(ctx: GroupContext) -> TaskResult:
    """Force-delete a member's Pod stuck on a dead node once PD reports the member unhealthy
    and it has not been Ready for unhealthyTimeout (whether or not failover is enabled: the
    Pod alone keeps the instance from ever running again)."""
    timeout = parse_duration(ctx.group.spec.failover.unhealthy_timeout)
    view = ctx.view

    def failed(pd: PD) -> str | None:
        name = str(pd.metadata.name)
        if view is None or view.member(name) is None or view.healthy(name):
            return None
        ready = conditions.find(pd.status.conditions, cond.READY)
        since = ready.last_transition_time if ready is not None and ready.status != "True" else None
        if since is None or ctx.now - since < timeout:
            return None
        return (
            f"PD reports member {name} unhealthy, and it has not been Ready since "
            f"{since.isoformat()} (unhealthyTimeout {timeout})"
        )

    released = await stuckpods.release_stuck_pods(ctx, ctx.instances, failed, 10.0)
    return Complete(f"force-deleted {', '.join(released)}" if released else "")
