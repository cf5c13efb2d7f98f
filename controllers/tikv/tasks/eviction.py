"""End a leader eviction the operator began, once the store is back in service (rule 9)."""

from __future__ import annotations

from apis import conditions as cond
from controllers.common.pods import pod_ready
from controllers.common.runner import Complete, TaskResult
from controllers.tikv import reasons
from controllers.tikv.context import Context
from controllers.tikv.decisions import stale_process
from tikv_operator.pdapi.models import StoreStateName


async def end_leader_eviction(ctx: Context) -> TaskResult:
    pd = ctx.pd_client()
    store = ctx.store
    if pd is None or ctx.view is None or store is None:
        return Complete()
    if ctx.tikv.spec.offline or ctx.restart_pending:
        return Complete("eviction still needed")
    if store.store.id not in ctx.view.evict_leader_stores:
        after = without_scheduler(ctx.condition_reason(cond.LEADERS_EVICTED), store.store.id)
        if after is not None:
            ctx.condition(cond.LEADERS_EVICTED, "False", *after)
        return Complete()
    if not pod_ready(ctx.pod) or store.store.state_name != StoreStateName.UP:
        ctx.requeue(5)
        return Complete("waiting for the new Pod to serve before leaders return")
    if (stale := stale_process(store, ctx.pod)) is not None:
        ctx.requeue(2)
        return Complete(stale)
    await pd.end_evict_leader(store.store.id)
    ctx.condition(
        cond.LEADERS_EVICTED,
        "False",
        reasons.EVICTION_ENDED,
        f"the new tikv-server of store {store.store.id} serves; its leaders may return",
    )
    ctx.event(
        "Normal",
        reasons.EVENT_EVICT_END,
        "EndEviction",
        f"store {store.store.id} takes leaders again",
    )
    return Complete("eviction ended")


OURS = (reasons.EVICTING_LEADERS, reasons.LEADERS_EVICTED, reasons.EVICTION_TIMED_OUT)
"""The reasons of an eviction the operator began and has not ended yet."""


def without_scheduler(reason: str | None, store_id: int) -> tuple[str, str] | None:
    """The LeadersEvicted reason and message once PD lists no evict-leader scheduler for the
    store, if the condition must change. An eviction of ours whose scheduler is gone has
    ended (this reconcile may read a cache that misses the status write of the one that
    ended it): EvictionEnded, so that the group still waits for leaders to return before it
    touches the next store; never NotEvicting, which would let it go on at once."""
    if reason in OURS:
        return reasons.EVICTION_ENDED, f"store {store_id} has no evict-leader scheduler any more"
    if reason in (reasons.NOT_EVICTING, reasons.EVICTION_ENDED):
        return None
    return reasons.NOT_EVICTING, "no eviction"
