"""Decisions of the PDGroup updater: plain functions over data, table-tested.

- scale_step: add one member, remove one member, or hold (rules 3 and 13);
- scale_in_victim: which instance leaves first;
- update_step: which instance takes the new template next (rules 4 and 6);
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from apis.common import SchedulePolicy
from controllers.common.updater import (
    Act,
    Hold,
    MemberState,
    Settled,
    Update,
    UpdateStep,
    broken_first,
    keeps_quorum_without,
    names,
    pick_victim,
    wait_for_busy,
)
from controllers.pdgroup import reasons


@dataclass(frozen=True)
class Instance:
    """What the updater needs to know about one PD instance of the group."""

    name: str
    revision: str | None = None
    ready: bool = False
    synced: bool = False
    """Its Pod matches its spec, as reported for the spec's current generation."""
    broken: bool = False
    """Down, by a status about its spec: not Ready at all (not merely within minReadySeconds),
    and not only because PD could not be asked."""
    deleting: bool = False
    member: bool = False
    """PD lists it as a member."""
    healthy: bool = False
    """PD reports it healthy."""
    leader: bool = False
    topology: Mapping[str, str] = field(default_factory=dict)
    created: datetime | None = None


@dataclass(frozen=True)
class Create:
    pass


class Remove(Act):
    """Delete the instance: it leaves PD membership before its Pod goes."""


ScaleStep = Create | Remove | Hold | Settled


def scale_step(
    replicas: int,
    instances: Sequence[Instance],
    members: Sequence[MemberState] | None,
    policies: Sequence[SchedulePolicy] = (),
) -> ScaleStep:
    """One membership change towards `replicas`, or why none may happen now.

    `members` is PD's membership, None when PD cannot be asked.
    """
    leaving = [i for i in instances if i.deleting]
    if leaving:
        return Hold(f"waiting for {names(leaving)} to leave before the next membership change")
    if len(instances) == replicas:
        return Settled()
    if members is None:
        return Hold(
            "PD cannot be asked, so no member is added or removed; retrying until it answers",
            blocked=True,
            reason=reasons.PD_UNAVAILABLE,
        )
    if len(instances) < replicas:
        return _scale_out(instances, members)
    return _scale_in(instances, members, policies)


def _scale_out(instances: Sequence[Instance], members: Sequence[MemberState]) -> ScaleStep:
    not_joined = [i for i in instances if not (i.member and i.healthy and i.ready)]
    if not_joined:
        return Hold(f"waiting for {names(not_joined)} to join PD and be healthy and Ready")
    unhealthy = [m.name or "(unstarted)" for m in members if not m.healthy]
    if unhealthy:
        return Hold(
            f"PD members {', '.join(sorted(unhealthy))} are unhealthy; a member is added only "
            "when every member is healthy",
            blocked=True,
            reason=reasons.QUORUM_AT_RISK,
        )
    return Create()


def _scale_in(
    instances: Sequence[Instance],
    members: Sequence[MemberState],
    policies: Sequence[SchedulePolicy],
) -> ScaleStep:
    victim = scale_in_victim(instances, policies)
    if not victim.member:
        return Remove(victim.name)
    if len(members) <= 1:
        return Hold(
            f"{victim.name} is the last PD member; it goes only when the Cluster is deleted",
            blocked=True,
            reason=reasons.LAST_MEMBER,
        )
    if not keeps_quorum_without(members, victim.name):
        return Hold(
            f"removing {victim.name} would leave PD without a healthy quorum; waiting until "
            "enough of the other members are healthy",
            blocked=True,
            reason=reasons.QUORUM_AT_RISK,
        )
    return Remove(victim.name)


def scale_in_victim(
    instances: Sequence[Instance], policies: Sequence[SchedulePolicy] = ()
) -> Instance:
    """The instance to remove first: never the leader while another one can go; then the
    cheapest to lose (never joined, unhealthy, not Ready)."""
    candidates = [i for i in instances if not i.leader] or list(instances)
    return pick_victim(candidates, policies, lambda i: (i.member, i.healthy, i.ready))


def update_step(instances: Sequence[Instance], revision: str) -> UpdateStep:
    """The next instance to move to `revision`: one at a time, only while every instance is
    Ready and its Pod up to date, followers first and the leader last."""
    outdated = [i for i in instances if i.revision != revision and not i.deleting]
    if not outdated:
        return Settled()
    broken = broken_first([i for i in outdated if not i.leader])
    if broken is not None:
        return broken
    busy = [i for i in instances if i.deleting or not i.ready or not i.synced]
    hold = wait_for_busy(busy, "member")
    if hold is not None:
        return hold
    followers = sorted((i for i in outdated if not i.leader), key=lambda i: i.name)
    return Update(followers[0].name if followers else outdated[0].name)
