"""The instance's Pod: created when missing; recreated when the spec needs a restart, but
only after its leaders left and while the rest of the group is healthy (rule 5); its labels
and annotations changed in place when nothing else differs."""

from __future__ import annotations

from apis import conditions as cond
from apis.types import parse_duration
from controllers.common.conditions import find, is_true
from controllers.common.leaders import short_of_leaders
from controllers.common.objects import key_of
from controllers.common.pods import create_pod, delete_pod, patch_pod_metadata
from controllers.common.restart import needs_recreate
from controllers.common.runner import Complete, Retry, TaskResult
from controllers.common.safety import UnsafeToProceed
from controllers.common.stores import advertise_address, find_store
from controllers.tikv import reasons
from controllers.tikv.build import build_pod
from controllers.tikv.context import Context
from controllers.tikv.decisions import RestartDecision, RestartStep, restart_decision
from controllers.tikv.tasks.guard import begin_eviction, fresh_instance, guard
from tikv_operator.kube import resources
from tikv_operator.pdapi import NotBootstrapped, PDClient, PDError
from tikv_operator.pdapi.models import StoreStateName

POLL = 5.0


async def apply_pod(ctx: Context) -> TaskResult:
    if ctx.cluster.spec.suspend_action.suspend_compute:
        return await _suspend(ctx)
    ctx.condition(cond.SUSPENDED, "False", reasons.NOT_SUSPENDED, "the Pod runs")
    desired = build_pod(ctx.tikv, ctx.tls)
    if ctx.pod is None:
        return await create_pod(ctx, desired) or Complete("created")
    if ctx.pod["metadata"].get("deletionTimestamp"):
        # Its process may still heartbeat: the eviction must outlive it.
        ctx.restart_pending = True
        ctx.requeue(2)
        return Complete("the old Pod is terminating")
    if not needs_recreate(ctx.pod, desired, ctx.tikv.spec.update_strategy.config):
        patched = await patch_pod_metadata(ctx, ctx.pod, desired)
        if patched is None:
            return Complete("up to date")
        ctx.pod = patched
        return Complete("labels and annotations patched in place")
    ctx.restart_pending = True
    if ctx.tikv.spec.offline:
        return Complete("not restarting a store that is being removed")
    return await _restart(ctx)


async def _restart(ctx: Context) -> TaskResult:
    pd = ctx.pd_client()
    if ctx.view is None or pd is None:
        ctx.requeue(10)
        return Complete(f"restart waits for PD ({ctx.pd_error})")
    try:
        down = await pd.get_down_peer_regions()
        down_stores = {p.peer.store_id for r in down.regions for p in r.down_peers}
    except NotBootstrapped:
        down_stores = set()
    except PDError as e:
        ctx.requeue(10)
        return Complete(f"restart waits for PD ({e})")
    store = ctx.store
    decision = restart_decision(
        store=store,
        evicting=_evicting(ctx),
        eviction_started=ctx.condition_since(cond.LEADERS_EVICTED, reasons.EVICTING_LEADERS),
        now=ctx.now,
        timeout=parse_duration(ctx.tikv.spec.evict_leader_timeout),
        unready_siblings=_busy_siblings(ctx),
        down_peer_stores=down_stores,
        other_up_stores=sum(
            1
            for s in ctx.view.live_stores
            if s.store.state_name == StoreStateName.UP
            and (store is None or s.store.id != store.store.id)
        ),
    )
    if decision.step == RestartStep.GO:
        return await _recreate(ctx, decision.message)
    return await _evict(ctx, pd, decision, "Restart")


async def _evict(ctx: Context, pd: PDClient, decision: RestartDecision, action: str) -> TaskResult:
    """Begin or wait for the leader eviction that must come before the Pod goes."""
    store = ctx.store
    if decision.step == RestartStep.BEGIN_EVICT:
        assert store is not None
        unsafe = await begin_eviction(ctx, pd, store.store.id)
        if unsafe is not None:
            ctx.event("Warning", reasons.EVENT_UNSAFE, action, f"not evicting leaders: {unsafe}")
            return Retry(15, unsafe)
        ctx.restart_condition(
            cond.LEADERS_EVICTED, "False", reasons.EVICTING_LEADERS, decision.message
        )
        ctx.event("Normal", reasons.EVENT_EVICT_BEGIN, action, decision.message)
    elif (
        decision.step == RestartStep.WAIT_EVICT
        and ctx.condition_reason(cond.LEADERS_EVICTED) != reasons.EVICTING_LEADERS
    ):
        ctx.restart_condition(
            cond.LEADERS_EVICTED, "False", reasons.EVICTING_LEADERS, decision.message
        )
    ctx.requeue(POLL)
    return Complete(decision.message)


def _busy_siblings(ctx: Context) -> list[str]:
    """Siblings not Ready, or short of leaders because of the operator (being evicted, or
    not given their leaders back yet): this store's restart waits for them (rule 5)."""
    assert ctx.view is not None
    busy = []
    for s in ctx.siblings:
        store = find_store(ctx.view.live_stores, advertise_address(s))
        eviction = find(s.status.conditions, cond.LEADERS_EVICTED)
        timeout = parse_duration(s.spec.evict_leader_timeout)
        if not is_true(s.status.conditions, cond.READY) or short_of_leaders(
            eviction, store, ctx.now, timeout
        ):
            busy.append(str(s.metadata.name))
    return busy


def _evicting(ctx: Context) -> bool:
    store, view = ctx.store, ctx.view
    return store is not None and view is not None and store.store.id in view.evict_leader_stores


async def _recreate(ctx: Context, why: str) -> TaskResult:
    assert ctx.pod is not None
    try:
        await guard(ctx)
    except UnsafeToProceed as e:
        ctx.event("Warning", reasons.EVENT_UNSAFE, "Restart", f"not restarting: {e}")
        return Retry(15, str(e))
    store = ctx.store
    if store is not None and store.status.leader_count == 0:
        ctx.condition(cond.LEADERS_EVICTED, "True", reasons.LEADERS_EVICTED, why)
    else:
        ctx.condition(cond.LEADERS_EVICTED, "True", reasons.EVICTION_TIMED_OUT, why)
    await delete_pod(ctx.deps.client, ctx.pod)
    ctx.event("Normal", reasons.EVENT_RESTART, "Restart", f"recreating the Pod: {why}")
    ctx.requeue(1)
    return Complete("Pod deleted to be recreated")


async def _suspend(ctx: Context) -> TaskResult:
    """Suspension stops every store, so their leaders leave one store at a time, in name
    order: each store's leaders move to the stores still running, and the last one's have
    nowhere to go (restart_decision lets it go without waiting)."""
    ctx.condition(cond.SUSPENDED, "True", reasons.SUSPENDED, "the Cluster suspends compute")
    if ctx.pod is None:
        return Complete("suspended")
    ctx.restart_pending = True  # the eviction must outlast the Pod
    if ctx.pod["metadata"].get("deletionTimestamp"):
        ctx.requeue(2)
        return Complete("the Pod is terminating")
    running = [s for s in ctx.siblings if ctx.deps.cache(resources.POD).get(key_of(s))]
    ahead = sorted(str(s.metadata.name) for s in running if str(s.metadata.name) < ctx.name)
    if ahead:
        ctx.requeue(POLL)
        return Complete(f"suspending after {', '.join(ahead)}: leaders leave one store at a time")
    pd = ctx.pd_client()
    if ctx.view is None or pd is None:
        # Rule 8: without PD the leaders cannot be moved first, and the Pod does not go
        # with them still on it (a suspension is not an emergency).
        ctx.requeue(POLL)
        return Complete(f"suspension waits for PD to move the store's leaders ({ctx.pd_error})")
    running_stores = [find_store(ctx.view.live_stores, advertise_address(s)) for s in running]
    decision = restart_decision(
        store=ctx.store,
        evicting=_evicting(ctx),
        eviction_started=ctx.condition_since(cond.LEADERS_EVICTED, reasons.EVICTING_LEADERS),
        now=ctx.now,
        timeout=parse_duration(ctx.tikv.spec.evict_leader_timeout),
        unready_siblings=[],
        down_peer_stores=[],
        other_up_stores=sum(
            1 for s in running_stores if s is not None and s.store.state_name == StoreStateName.UP
        ),
    )
    if decision.step != RestartStep.GO:
        return await _evict(ctx, pd, decision, "Suspend")
    await fresh_instance(ctx)
    await delete_pod(ctx.deps.client, ctx.pod)
    return Complete("Pod deleted for suspension; volumes kept")
