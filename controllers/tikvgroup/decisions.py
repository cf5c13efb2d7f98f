"""Decisions of the TiKVGroup updater: plain functions over data, table-tested.

- scale_step: create, revive, offline or delete instances, or hold (rules 1, 2, 13);
- scale_in_victim: which instance leaves first;
- pd_upgrade_gate: may TiKV move to a new version yet (PD before TiKV);
- update_step: which instance takes the new template next (rules 5, 6);
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from apis.common import SchedulePolicy
from controllers.common.updater import (
    Act,
    Hold,
    Settled,
    Update,
    UpdateStep,
    broken_first,
    names,
    pick_victim,
    wait_for_busy,
)
from controllers.tikvgroup import reasons

UP_STATE_NAMES = frozenset({"Up", "Disconnected", "Down"})
"""PD state names of stores in state Up: the ones PD counts against max-replicas."""


@dataclass(frozen=True)
class Instance:
    """What the updater needs to know about one TiKV instance of the group."""

    name: str
    revision: str | None = None
    version: str | None = None
    ready: bool = False
    synced: bool = False
    broken: bool = False
    """Not Ready at all (not merely within minReadySeconds), by a status about its spec."""
    deleting: bool = False
    offline: bool = False
    """spec.offline: the store is asked to leave."""
    offlined: bool = False
    """Offlined=True: the store is Tombstone (or never registered)."""
    removal_refused: str = ""
    """PD's refusal to remove its store, as the instance reports it (Offlined=False
    StoresNotEnough); empty otherwise."""
    state_name: str | None = None
    """PD's state name of its store, None when it never registered."""
    topology: Mapping[str, str] = field(default_factory=dict)
    created: datetime | None = None
    evicting: bool = False
    """The operator is evicting its leaders (a restart or removal in progress)."""
    leaders_returning: bool = False
    """Its restart's eviction ended and PD has moved no leader back to it yet (bounded by
    evictLeaderTimeout; `controllers.common.leaders`)."""

    @property
    def active(self) -> bool:
        return not self.offline and not self.deleting

    @property
    def store_up(self) -> bool:
        return self.state_name in UP_STATE_NAMES


@dataclass(frozen=True)
class PDFacts:
    """PD's answer that a scale-in decision rests on."""

    up_stores: int
    max_replicas: int


@dataclass(frozen=True)
class Create:
    count: int


class Revive(Act):
    """Cancel the removal of an offlining instance (scale-out reuses its store)."""


class Offline(Act):
    """Ask for the instance's store to be removed (spec.offline)."""


class Delete(Act):
    """Delete the instance object: its store is Tombstone."""


ScaleStep = Create | Revive | Offline | Delete | Hold | Settled


def needs_scale_in(replicas: int, instances: Sequence[Instance]) -> bool:
    return sum(i.active for i in instances) > replicas


def scale_step(
    replicas: int,
    instances: Sequence[Instance],
    pd: PDFacts | None,
    policies: Sequence[SchedulePolicy] = (),
) -> ScaleStep:
    """One step towards `replicas` active instances, or why none may happen now.

    `pd` is needed only to scale in (None when PD cannot be asked).
    """
    done = [i for i in instances if i.offline and i.offlined and not i.deleting]
    if done:
        # Its store is Tombstone: the CR may go (the instance's finalizer checks again).
        return Delete(min(done, key=lambda i: i.name).name)
    active = [i for i in instances if i.active]
    offlining = [i for i in instances if i.offline and not i.offlined and not i.deleting]
    if len(active) < replicas:
        if offlining:
            return Revive(min(offlining, key=lambda i: i.name).name)
        return Create(replicas - len(active))
    refused = [i for i in offlining if i.removal_refused]
    if refused:
        # PD's config changed after the operator's own check (rule 2): say it in PD's words.
        return Hold(
            f"{refused[0].name}: {refused[0].removal_refused}",
            blocked=True,
            reason=reasons.STORES_NOT_ENOUGH,
        )
    if len(active) == replicas:
        return Settled()
    in_flight = [i for i in instances if not i.active]
    if in_flight:
        return Hold(
            f"waiting for {names(in_flight)} to leave before offlining the next store "
            "(one store removal at a time)"
        )
    if pd is None:
        return Hold(
            "PD cannot be asked how many stores are Up, so no store is offlined; retrying "
            "until it answers",
            blocked=True,
            reason=reasons.PD_UNAVAILABLE,
        )
    victim = scale_in_victim(active, policies)
    if victim.store_up and pd.up_stores - 1 < pd.max_replicas:
        return Hold(
            f"scaling in to {replicas} would offline the store of {victim.name} and leave "
            f"{pd.up_stores - 1} Up stores, fewer than PD's max-replicas {pd.max_replicas}; "
            f"keep at least {pd.max_replicas} stores or lower max-replicas in PD to unblock",
            blocked=True,
            reason=reasons.MAX_REPLICAS,
        )
    return Offline(victim.name)


def scale_in_victim(
    instances: Sequence[Instance], policies: Sequence[SchedulePolicy] = ()
) -> Instance:
    """The instance to offline first: the cheapest to lose (no store, store not Up, not
    Ready)."""
    return pick_victim(
        instances, policies, lambda i: (i.state_name is not None, i.store_up, i.ready)
    )


@dataclass(frozen=True)
class PDGroupVersion:
    name: str
    target: str
    """spec.template.spec.version"""
    running: str | None
    """status.version: what every member runs, when they agree."""


def pd_upgrade_gate(target: str, pd_groups: Sequence[PDGroupVersion]) -> str | None:
    """Why TiKV may not move to `target` yet, or None. PD goes first (upgradePolicy
    Default): every PDGroup of the cluster must already run the target version."""
    behind = [g for g in pd_groups if g.running != target]
    if not behind:
        return None
    parts = [f"{g.name} runs {g.running or 'an unknown version'}" for g in behind]
    return (
        f"TiKV moves to {target} only after every PDGroup runs it ({'; '.join(parts)}); "
        f"upgrade PD to {target} to unblock"
    )


@dataclass(frozen=True)
class PDMember:
    name: str
    healthy: bool
    version: str


def pd_view_gate(
    target: str, members: Sequence[PDMember] | None, leader: str, unavailable: str | None
) -> str | None:
    """Why TiKV may not move to `target` yet by PD's own account, or None: PD must answer,
    have a leader, and every member must be healthy and run `target`. The PDGroups' status
    alone is not enough: it says what the Pods run, not whether PD came back from them."""
    if members is None:
        return f"TiKV waits for PD's view before moving to {target}: {unavailable}"
    if not leader:
        return f"TiKV moves to {target} only once PD has a leader again"
    unhealthy = sorted(m.name or "an unstarted member" for m in members if not m.healthy)
    if unhealthy:
        waiting = ", ".join(unhealthy)
        return f"TiKV moves to {target} only once every PD member is healthy ({waiting} not yet)"
    behind = sorted(
        m.name for m in members if m.version.removeprefix("v") != target.removeprefix("v")
    )
    if behind:
        waiting = ", ".join(behind)
        return f"TiKV moves to {target} only once every PD member runs it ({waiting} not yet)"
    return None


def update_step(
    instances: Sequence[Instance],
    revision: str,
    target_version: str,
    pd_gate: str | None,
) -> UpdateStep:
    """The next instance to move to `revision`: one at a time (rule 6), only while every
    instance is Ready with its Pod up to date, no store is leaving (rule 5), and the last
    restarted store has its leaders back (bounded), so that two stores are never short of
    leaders at once."""
    outdated = [i for i in instances if i.active and i.revision != revision]
    if not outdated:
        return Settled()
    leaving = [i for i in instances if not i.active]
    if leaving:
        return Hold(f"waiting for {names(leaving)} to leave before updating the next store")
    version_held = pd_gate is not None and any(i.version != target_version for i in outdated)
    broken = None if version_held else broken_first([i for i in outdated if not i.evicting])
    if broken is not None:
        return broken
    down = [i for i in instances if i.state_name in ("Disconnected", "Down")]
    if down:
        return Hold(
            f"the rolling update is held: the store of {names(down)} is not heartbeating; it "
            "goes on once the store is back, or replaced by failover and removed",
            blocked=True,
            reason=reasons.STORE_DOWN,
        )
    hold = wait_for_busy([i for i in instances if not i.ready or not i.synced], "store")
    if hold is not None:
        return hold
    evicting = [i for i in instances if i.evicting]
    if evicting:
        return Hold(
            f"waiting for the leader eviction of {names(evicting)} to end before updating "
            "the next store"
        )
    returning = [i for i in instances if i.leaders_returning]
    if returning:
        return Hold(
            f"waiting for leaders to return to {names(returning)} before restarting the next "
            "store (at most evictLeaderTimeout)"
        )
    if pd_gate is not None and any(i.version != target_version for i in outdated):
        return Hold(pd_gate, blocked=True, reason=reasons.PD_NOT_UPGRADED)
    return Update(min(outdated, key=lambda i: i.name).name)
