"""Decisions of TiKV failover (DESIGN §6, rule 15): plain functions over data, table-tested.

A store that PD reports Down, or that has not heartbeated for `storeDownTimeout`, while its
Pod is not Ready, gets one replacement instance: added, never in place of the failed one
(its data stays until a person or a safe scale-in removes it). Replacements are made one at
a time, never beyond `maxFailoverCount`, and never while PD has no leader. Each one is a
record in the group's status, written before the replacement exists, so a restarted
operator finishes the replacement it chose instead of choosing another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from apis.common import FailoverRecord
from controllers.common.updater import Hold, Settled
from controllers.tikvgroup import reasons

CHOSEN = "ReplacementChosen"
"""The record is written and names its replacement; the instance may not exist yet."""
CREATED = "ReplacementCreated"
UP = "ReplacementUp"
"""The replacement is Ready: failover for this store is done."""

UNHEALTHY_STATE_NAMES = frozenset({"Disconnected", "Down"})


@dataclass(frozen=True)
class Candidate:
    """One instance of the group as failover sees it: PD's view of its store, its Pod."""

    name: str
    store_id: int | None
    state_name: str | None
    """PD's state name of its store; None when it never registered."""
    last_heartbeat: datetime | None
    """When PD last heard from the store; None if it never has."""
    pod_ready: bool
    ready: bool
    """The instance's Ready condition: Pod Ready and its own store Up."""
    active: bool = True
    """Not offlined or being deleted: a store on its way out is not replaced."""

    def failed(self, now: datetime, timeout: timedelta) -> str | None:
        """Why the store counts as failed, or None."""
        if self.pod_ready or not self.active or self.state_name not in UNHEALTHY_STATE_NAMES:
            return None
        if self.last_heartbeat is None:
            # Never heartbeated: PD counts a store's down time from its last heartbeat, from
            # the epoch before the first one, so a TiKV still starting reads Down from the
            # moment it registers. It holds nothing a replacement would take over.
            return None
        if self.state_name == "Down":
            return f"store {self.store_id} is Down in PD and its Pod is not Ready"
        if self.last_heartbeat is not None and now - self.last_heartbeat >= timeout:
            return (
                f"store {self.store_id} has not heartbeated since "
                f"{self.last_heartbeat.isoformat()} (storeDownTimeout {timeout}) and its Pod "
                "is not Ready"
            )
        return None


@dataclass(frozen=True)
class Policy:
    enabled: bool
    store_down_timeout: timedelta
    max_failover_count: int
    recover_automatically: bool


@dataclass(frozen=True)
class Replace:
    """Record a replacement for `instance` (its store `store_id`) and create it."""

    instance: str
    store_id: int | None
    reason: str


@dataclass(frozen=True)
class Create:
    """Create the replacement the record of `instance` names (chosen, not created yet)."""

    instance: str
    replacement: str


@dataclass(frozen=True)
class Advance:
    """Move the record of `instance` to `step`."""

    instance: str
    step: str


@dataclass(frozen=True)
class Forget:
    """Drop the record of `instance`: its store is back (recoverAutomatically) or the
    instance is gone. The replacement then leaves through the normal safe scale-in."""

    instance: str
    why: str


FailoverStep = Replace | Create | Advance | Forget | Hold | Settled


def failover_step(
    candidates: Sequence[Candidate],
    records: Sequence[FailoverRecord],
    policy: Policy,
    *,
    pd_leader: bool,
    now: datetime,
) -> FailoverStep:
    """The next failover step of the group, or why none may happen now."""
    by_name = {c.name: c for c in candidates}
    for record in records:
        failed = by_name.get(record.instance)
        if failed is None:
            return Forget(record.instance, f"{record.instance} no longer exists")
        if not failed.active:
            # Being removed (deleted or offlined): its replacement takes its place now; were
            # the record still counted, the group would add one more store meanwhile.
            return Forget(record.instance, f"{record.instance} is being removed")
        replacement = by_name.get(record.replacement or "")
        if record.step == CHOSEN:
            if replacement is None:
                return Create(record.instance, record.replacement or "")
            return Advance(record.instance, CREATED)
        if replacement is None:
            return Forget(record.instance, f"its replacement {record.replacement} was removed")
        if record.step == CREATED and replacement is not None and replacement.ready:
            return Advance(record.instance, UP)
        if policy.recover_automatically and record.step == UP and failed.ready:
            return Forget(record.instance, f"the store of {record.instance} is Up again")
    if not policy.enabled:
        return Settled()
    recorded = {r.instance for r in records}
    failures = {
        c.name: why
        for c in candidates
        if c.name not in recorded and (why := c.failed(now, policy.store_down_timeout))
    }
    if not failures:
        return Settled()
    waiting = ", ".join(sorted(failures))
    if not pd_leader:
        return Hold(
            f"no replacement for {waiting}: PD has no leader, so its view of the "
            "stores cannot be trusted",
            blocked=True,
            reason=reasons.PD_UNAVAILABLE,
        )
    pending = [r for r in records if r.step != UP]
    if pending:
        stuck = ", ".join(f"{r.replacement} (for {r.instance})" for r in pending)
        return Hold(
            f"no replacement for {waiting} until the replacement {stuck} is Up: one "
            "failover at a time; if it stays Pending, check why its Pod cannot be scheduled",
            blocked=True,
            reason=reasons.FAILOVER_IN_PROGRESS,
        )
    if len(records) >= policy.max_failover_count:
        return Hold(
            f"no replacement for {waiting}: the group already has "
            f"{len(records)} of maxFailoverCount {policy.max_failover_count} replacements; "
            "bring the failed stores back, remove them by scaling in, or raise "
            "maxFailoverCount",
            blocked=True,
            reason=reasons.MAX_FAILOVER_COUNT,
        )
    first = by_name[min(failures)]
    return Replace(first.name, first.store_id, failures[first.name])
