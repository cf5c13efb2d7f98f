"""The instance's Pod: created when missing; recreated when the spec needs a restart, but
only after its leaders left and while the rest of the group is healthy (rule 5); its labels
and annotations changed in place when nothing else differs."""

from __future__ import annotations

from apis import conditions as cond
from apis.types import parse_duration
from controllers.common.conditions import is_true
from controllers.common.pods import delete_pod, patch_pod_metadata
from controllers.common.restart import needs_recreate
from controllers.common.runner import Complete, Retry, TaskResult
from controllers.common.safety import UnsafeToProceed
from controllers.tikv import reasons
from controllers.tikv.build import build_pod
from controllers.tikv.context import Context
from controllers.tikv.decisions import RestartStep, restart_decision
from controllers.tikv.tasks.guard import fresh_instance, guard
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError
from tikv_operator.pdapi import NotBootstrapped, PDClient, PDError

POLL = 5.0


async def apply_pod(ctx: Context) -> TaskResult:
    if ctx.cluster.spec.suspend_action.suspend_compute:
        return await _suspend(ctx)
    ctx.condition(cond.SUSPENDED, "False", reasons.NOT_SUSPENDED, "the Pod runs")
    desired = build_pod(ctx.tikv)
    if ctx.pod is None:
        try:
            await ctx.deps.client.create(resources.POD, desired)
        except ApiError as e:
            if not e.conflict:
                raise
            return Retry(1, "a Pod exists that the cache has not seen yet")
        return Complete("created")
    if ctx.pod["metadata"].get("deletionTimestamp"):
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
    evicting = store is not None and store.store.id in ctx.view.evict_leader_stores
    decision = restart_decision(
        store=store,
        evicting=evicting,
        eviction_started=ctx.condition_since(cond.LEADERS_EVICTED, reasons.EVICTING_LEADERS),
        now=ctx.now,
        timeout=parse_duration(ctx.tikv.spec.evict_leader_timeout),
        unready_siblings=[
            str(s.metadata.name)
            for s in ctx.siblings
            if not is_true(s.status.conditions, cond.READY)
        ],
        down_peer_stores=down_stores,
    )
    match decision.step:
        case RestartStep.BEGIN_EVICT:
            assert store is not None
            await pd.begin_evict_leader(store.store.id)
            ctx.restart_condition(
                cond.LEADERS_EVICTED, "False", reasons.EVICTING_LEADERS, decision.message
            )
            ctx.event("Normal", reasons.EVENT_EVICT_BEGIN, "Restart", decision.message)
        case RestartStep.WAIT_EVICT:
            if ctx.condition_reason(cond.LEADERS_EVICTED) != reasons.EVICTING_LEADERS:
                ctx.restart_condition(
                    cond.LEADERS_EVICTED, "False", reasons.EVICTING_LEADERS, decision.message
                )
        case RestartStep.GO:
            return await _recreate(ctx, pd, decision.message)
        case RestartStep.WAIT_SIBLINGS | RestartStep.WAIT_DOWN_PEERS:
            pass
    ctx.requeue(POLL)
    return Complete(decision.message)


async def _recreate(ctx: Context, pd: PDClient, why: str) -> TaskResult:
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
    ctx.condition(cond.SUSPENDED, "True", reasons.SUSPENDED, "the Cluster suspends compute")
    if ctx.pod is None:
        return Complete("suspended")
    await fresh_instance(ctx)
    await delete_pod(ctx.deps.client, ctx.pod)
    return Complete("Pod deleted for suspension; volumes kept")
