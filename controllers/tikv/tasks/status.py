"""The instance's status: what PD says of its store, and its conditions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apis import conditions as cond
from controllers.common.pods import pod_ready, pod_ready_since
from controllers.common.restart import needs_recreate, pod_hash_of
from controllers.common.runner import TaskResult
from controllers.common.stores import last_heard
from controllers.tikv import reasons
from controllers.tikv.build import build_pod, pod_revision
from controllers.tikv.context import Context
from controllers.tikv.decisions import NODE_STATE_NAMES, stale_process
from tikv_operator.pdapi.models import StoreInfo, StoreStateName


async def write_status(ctx: Context) -> TaskResult:
    tikv = ctx.tikv
    old = tikv.status
    update: dict[str, Any] = {"observed_generation": tikv.metadata.generation}
    if ctx.view is not None:
        store = ctx.store
        update |= {
            "id": str(store.store.id) if store else None,
            "state": NODE_STATE_NAMES[store.store.node_state] if store else None,
            "state_name": store.store.state_name.value if store else None,
            "leader_count": store.status.leader_count if store else None,
            "region_count": store.status.region_count if store else None,
            "last_heartbeat_time": _last_heartbeat(store),
        }
    want = pod_revision(tikv, ctx.tls)
    have = pod_hash_of(ctx.pod)
    update |= {"update_revision": want, "current_revision": have}
    _set_ready(ctx)
    _set_synced(ctx, have, want)
    update["conditions"] = ctx.conditions
    return await ctx.write_status(old, old.model_copy(update=update))


def _last_heartbeat(store: StoreInfo | None) -> datetime | None:
    """When PD last heard from a store that is not Up; None while it is Up. A heartbeat time
    that moves every few seconds would rewrite the status (and wake every watcher) forever;
    once the store stops heartbeating it stays put, and that is when it matters."""
    if store is None or store.store.state_name == StoreStateName.UP:
        return None
    return last_heard(store)


def _set_ready(ctx: Context) -> None:
    if not pod_ready(ctx.pod):
        ctx.condition(cond.READY, "False", reasons.POD_NOT_READY, "the Pod is missing or not Ready")
    elif ctx.view is None:
        # Keep what we knew: a PD outage alone does not make a serving store unready.
        if ctx.condition_reason(cond.READY) is None:
            ctx.condition(cond.READY, "Unknown", reasons.PD_UNAVAILABLE, str(ctx.pd_error))
    elif ctx.store is None:
        ctx.condition(
            cond.READY, "False", reasons.STORE_NOT_REGISTERED, "the store has not registered in PD"
        )
    elif ctx.store.store.state_name != StoreStateName.UP:
        ctx.condition(
            cond.READY,
            "False",
            reasons.STORE_NOT_UP,
            f"store {ctx.store.store.id} is {ctx.store.store.state_name.value}",
        )
    elif (stale := stale_process(ctx.store, ctx.pod)) is not None:
        ctx.condition(cond.READY, "False", reasons.STORE_RESTARTING, stale)
    else:
        message = "the Pod is Ready and the store is Up"
        # Ready since the Pod is: minReadySeconds counts from there (common.conditions).
        ctx.condition(cond.READY, "True", reasons.READY, message, pod_ready_since(ctx.pod))


def _set_synced(ctx: Context, have: str | None, want: str) -> None:
    strategy = ctx.tikv.spec.update_strategy.config
    if ctx.pod is None:
        ctx.condition(cond.SYNCED, "False", reasons.POD_MISSING, "the Pod does not exist yet")
    elif needs_recreate(ctx.pod, build_pod(ctx.tikv, ctx.tls), strategy):
        ctx.condition(
            cond.SYNCED,
            "False",
            reasons.POD_OUTDATED,
            f"the Pod is at revision {have}, the spec asks for {want}; it is restarted once "
            "leaders are evicted and the rest of the group is Ready",
        )
    else:
        ctx.condition(cond.SYNCED, "True", reasons.SYNCED, "the Pod matches the spec")
