"""The two-step store removal: `spec.offline=true` evicts leaders, then asks PD to remove
the store; the store becomes Tombstone once PD moved its regions away. Clearing `offline`
while PD is still removing the store cancels the removal."""

from __future__ import annotations

from apis import conditions as cond
from apis.types import parse_duration
from controllers.common.runner import Complete, TaskResult
from controllers.common.safety import UnsafeToProceed
from controllers.tikv import reasons
from controllers.tikv.context import Context
from controllers.tikv.decisions import OfflineStep, offline_step
from controllers.tikv.tasks.guard import begin_eviction, guard
from tikv_operator.kube.events import EventType
from tikv_operator.pdapi import PDClient, StoresNotEnough, StoreTombstoned

POLL = 5.0


async def apply_offline(ctx: Context) -> TaskResult:
    step = await advance_offline(ctx, offline=ctx.tikv.spec.offline)
    return Complete(step.value if step is not None else "PD unavailable")


async def advance_offline(ctx: Context, *, offline: bool) -> OfflineStep | None:
    """Take the next step of the removal state machine; None when PD could not be asked."""
    pd = ctx.pd_client()
    if ctx.view is None or pd is None:
        if offline:
            ctx.condition(
                cond.OFFLINED,
                "False",
                reasons.PD_UNAVAILABLE,
                f"cannot offline the store while PD is unavailable ({ctx.pd_error}); "
                "retrying until PD answers",
            )
            ctx.requeue(10)
        return None
    evicting = ctx.store is not None and ctx.store.store.id in ctx.view.evict_leader_stores
    step = offline_step(
        offline=offline,
        store=ctx.store,
        evicting=evicting,
        eviction_started=ctx.condition_since(cond.LEADERS_EVICTED, reasons.EVICTING_LEADERS),
        now=ctx.now,
        timeout=parse_duration(ctx.tikv.spec.evict_leader_timeout),
    )
    await _STEPS[step](ctx, pd)
    return step


async def _none(ctx: Context, pd: PDClient) -> None:
    ctx.condition(cond.OFFLINED, "False", reasons.NOT_OFFLINE, "the store is in service")


async def _no_store(ctx: Context, pd: PDClient) -> None:
    ctx.condition(
        cond.OFFLINED,
        "True",
        reasons.NEVER_REGISTERED,
        "PD has no store at this instance's address: there is nothing to remove",
    )


async def _begin_evict(ctx: Context, pd: PDClient) -> None:
    assert ctx.store is not None
    store_id = ctx.store.store.id
    unsafe = await begin_eviction(ctx, pd, store_id)
    if unsafe is not None:
        message = f"not evicting the leaders of store {store_id}: {unsafe}"
        ctx.condition(cond.OFFLINED, "False", reasons.UNSAFE, message)
        _event(ctx, "Warning", reasons.EVENT_UNSAFE, message)
        ctx.requeue(15)
        return
    ctx.restart_condition(
        cond.LEADERS_EVICTED,
        "False",
        reasons.EVICTING_LEADERS,
        f"moving leaders off store {store_id} before removing it",
    )
    _offlining(ctx, "evicting leaders before asking PD to remove the store")
    _event(ctx, "Normal", reasons.EVENT_EVICT_BEGIN, f"evicting leaders of store {store_id}")


async def _wait_evict(ctx: Context, pd: PDClient) -> None:
    assert ctx.store is not None
    if ctx.condition_reason(cond.LEADERS_EVICTED) != reasons.EVICTING_LEADERS:
        # The scheduler is there but our record of when it began is not (a crash between the
        # two): start the clock now, which only makes the wait longer.
        ctx.restart_condition(
            cond.LEADERS_EVICTED, "False", reasons.EVICTING_LEADERS, "moving leaders off"
        )
    _offlining(ctx, f"waiting for {ctx.store.status.leader_count} leaders to leave before removal")


async def _delete_store(ctx: Context, pd: PDClient) -> None:
    assert ctx.store is not None
    store_id = ctx.store.store.id
    try:
        fresh = await guard(ctx)
        if not (fresh.spec.offline or fresh.metadata.deletion_timestamp is not None):
            raise UnsafeToProceed("the instance is no longer asked to go offline")
        if ctx.store is None or ctx.store.store.id != store_id:
            raise UnsafeToProceed(f"store {store_id} is no longer at this instance's address")
        await pd.delete_store(store_id)
    except StoresNotEnough as e:
        message = (
            f"PD refuses to remove store {store_id}: too few Up stores would remain for "
            f"max-replicas ({e.message}); add stores or lower max-replicas to unblock"
        )
        ctx.condition(cond.OFFLINED, "False", reasons.STORES_NOT_ENOUGH, message)
        _event(ctx, "Warning", reasons.EVENT_OFFLINE_REFUSED, message)
        ctx.requeue(30)
        return
    except StoreTombstoned:
        ctx.requeue(1)
        return
    except UnsafeToProceed as e:
        message = f"not removing store {store_id}: {e}"
        ctx.condition(cond.OFFLINED, "False", reasons.UNSAFE, message)
        _event(ctx, "Warning", reasons.EVENT_UNSAFE, message)
        ctx.requeue(15)
        return
    _offlining(ctx, f"PD is moving the regions of store {store_id} to other stores")
    _event(ctx, "Normal", reasons.EVENT_OFFLINE_STARTED, f"store {store_id} is going offline")


async def _wait_tombstone(ctx: Context, pd: PDClient) -> None:
    assert ctx.store is not None
    _offlining(
        ctx,
        f"PD is moving {ctx.store.status.region_count} regions off store "
        f"{ctx.store.store.id}; the store becomes Tombstone when none are left",
    )


async def _tombstone(ctx: Context, pd: PDClient) -> None:
    assert ctx.store is not None and ctx.view is not None
    store_id = ctx.store.store.id
    if store_id in ctx.view.evict_leader_stores:
        await pd.end_evict_leader(store_id)  # rule 9: no scheduler outlives its store
    if ctx.condition_reason(cond.OFFLINED) != reasons.TOMBSTONE:
        _event(ctx, "Normal", reasons.EVENT_TOMBSTONE, f"store {store_id} is Tombstone")
    ctx.condition(cond.OFFLINED, "True", reasons.TOMBSTONE, f"store {store_id} is Tombstone in PD")


async def _cancel(ctx: Context, pd: PDClient) -> None:
    assert ctx.store is not None and ctx.view is not None
    store_id = ctx.store.store.id
    try:
        await pd.cancel_store_offline(store_id)
    except StoreTombstoned:
        ctx.requeue(1)
        return
    if store_id in ctx.view.evict_leader_stores:
        await pd.end_evict_leader(store_id)
    ctx.condition(cond.OFFLINED, "False", reasons.NOT_OFFLINE, "store removal was cancelled")
    ctx.condition(cond.LEADERS_EVICTED, "False", reasons.NOT_EVICTING, "no eviction")
    _event(ctx, "Normal", reasons.EVENT_OFFLINE_CANCELLED, f"store {store_id} is Up again")


def _offlining(ctx: Context, message: str) -> None:
    ctx.condition(cond.OFFLINED, "False", reasons.OFFLINING, message)
    ctx.requeue(POLL)


def _event(ctx: Context, type_: EventType, reason: str, note: str) -> None:
    ctx.event(type_, reason, "Offline", note)


_STEPS = {
    OfflineStep.NONE: _none,
    OfflineStep.NO_STORE: _no_store,
    OfflineStep.BEGIN_EVICT: _begin_evict,
    OfflineStep.WAIT_EVICT: _wait_evict,
    OfflineStep.DELETE_STORE: _delete_store,
    OfflineStep.WAIT_TOMBSTONE: _wait_tombstone,
    OfflineStep.TOMBSTONE: _tombstone,
    OfflineStep.CANCEL: _cancel,
}
