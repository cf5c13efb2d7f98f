"""PD member failover (DESIGN §6) as plain decisions over data: when a member is due, and the
next step of a failover in flight. The task (controllers/pdgroup/tasks/failover.py) does the
I/O and records each step in the group's status.failover before the next one begins.

The runbook of one failover of instance X, member M:
  Detected       recorded: M, and the uid of the data PVC X runs on.
  MemberDeleted  M is out of PD, deleted by id (never by name: X rejoined is another id).
  Recreated      the old data PVC is gone, X's Pod deleted with it: the PD controller makes
                 a fresh PVC and Pod, which join PD (`join`) as a new member.
  Completed      X is a healthy member again, with a new member id.
  Cancelled      ended early: M recovered, or failover was disabled, before M was deleted; or
                 X was deleted.
Every step is re-derived from PD and the API server, so a restarted operator resumes where
the world is, and the records only say which member and which PVC the failover is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from apis.common import FailoverRecord
from controllers.common.updater import Hold, MemberState, Settled, keeps_quorum_without
from controllers.pdgroup import reasons

DETECTED = "Detected"
MEMBER_DELETED = "MemberDeleted"
RECREATED = "Recreated"
COMPLETED = "Completed"
CANCELLED = "Cancelled"
IN_FLIGHT = (DETECTED, MEMBER_DELETED, RECREATED)
HISTORY = 5
"""Finished failovers kept in status.failover, newest last."""


@dataclass(frozen=True)
class Policy:
    """The group's spec.failover."""

    enabled: bool
    timeout: float
    """unhealthyTimeout, in seconds."""
    timeout_text: str
    """unhealthyTimeout as the user wrote it, for messages."""


@dataclass(frozen=True)
class Member:
    """One PD member as PD reports it."""

    name: str
    id: int
    healthy: bool


@dataclass(frozen=True)
class PDMembers:
    """PD's membership and leader, from a usable snapshot."""

    members: Sequence[Member]
    leader: str
    """"" when PD answers without a leader."""

    def named(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def by_id(self, member_id: int) -> Member | None:
        return next((m for m in self.members if m.id == member_id), None)

    def states(self) -> list[MemberState]:
        return [MemberState(m.name, bool(m.name) and m.healthy) for m in self.members]


@dataclass(frozen=True)
class Candidate:
    """One instance of the group, as failover sees it."""

    name: str
    not_ready_since: datetime | None
    """When its Ready condition went False; None while it is Ready (or never reported)."""
    deleting: bool = False


@dataclass(frozen=True)
class FailOver:
    """Start a failover of this instance's member."""

    name: str
    member_id: int
    reason: str


@dataclass(frozen=True)
class NotDue:
    """A member is unhealthy but not for long enough yet: look again after `after` seconds."""

    message: str
    after: float


Detection = FailOver | NotDue | Hold | Settled


def _unhealthy_for(c: Candidate, now: datetime) -> float | None:
    if c.not_ready_since is None or c.deleting:
        return None
    return (now - c.not_ready_since).total_seconds()


def _names(names: Sequence[str]) -> str:
    return ", ".join(sorted(names))


def failover_step(
    policy: Policy,
    now: datetime,
    replicas: int,
    instances: Sequence[Candidate],
    pd: PDMembers | None,
    pd_problem: Hold | None = None,
    suspended: bool = False,
) -> Detection:
    """Whether a member is to be failed over now, when no failover is in flight.

    `pd` is None while PD cannot be asked; `pd_problem` then says why (its reason is the
    Blocked reason: PD unavailable, or PD has no leader). Without PD, instances not Ready for
    longer than the timeout stand for unhealthy members, so that the stall is reported."""
    if suspended:
        return Settled()
    if pd is None:
        unhealthy = list(instances)
    else:
        unhealthy = [c for c in instances if (m := pd.named(c.name)) is not None and not m.healthy]
    timing = [(c, t) for c in unhealthy if (t := _unhealthy_for(c, now)) is not None]
    due = sorted((c for c, t in timing if t >= policy.timeout), key=lambda c: c.name)
    if not due:
        if not timing or not policy.enabled:
            return Settled()
        left = min(policy.timeout - t for _, t in timing)
        names = _names([c.name for c, _ in timing])
        return NotDue(
            f"{names} not healthy; failover is considered after unhealthyTimeout "
            f"({policy.timeout_text})",
            max(left, 1.0),
        )
    victim = min(due, key=lambda c: (c.not_ready_since or now, c.name))
    name = victim.name
    late = f"{name} has been unhealthy for longer than unhealthyTimeout ({policy.timeout_text})"
    if not policy.enabled:
        return Hold(
            f"{late}; failover is disabled (spec.failover.enabled), so nothing is done",
            reason=reasons.FAILOVER_DISABLED,
        )
    if pd is None:
        problem = pd_problem or Hold("PD cannot be asked", True, reasons.PD_UNAVAILABLE)
        return Hold(
            f"{late}, but {problem.message}; failover never acts without PD's leader",
            blocked=True,
            reason=problem.reason,
        )
    member = pd.named(name)
    assert member is not None  # chosen among PD's unhealthy members
    hold = may_go(name, pd, replicas, instances)
    if hold is not None:
        return Hold(f"{late}, but {hold.message}", hold.blocked, hold.reason)
    return FailOver(name, member.id, f"{late}; PD reports it unhealthy")


def may_go(name: str, pd: PDMembers, replicas: int, instances: Sequence[Candidate]) -> Hold | None:
    """Why member `name` may not be deleted from PD for a failover now, or None when it may
    (rules 3, 4 and 13): PD has a leader, it is not `name`; no other membership change is
    in flight; every other member is healthy, so the rest keep a quorum while it rejoins."""
    if not pd.leader:
        return Hold(
            "PD has no leader; failover never acts without one",
            blocked=True,
            reason=reasons.NO_LEADER,
        )
    leaving = [c.name for c in instances if c.deleting]
    joining = [c.name for c in instances if not c.deleting and pd.named(c.name) is None]
    if leaving or joining:
        return Hold(
            f"failover waits for the membership change in flight "
            f"({_names([*leaving, *joining])} leaving or joining PD)",
            reason=reasons.MEMBERSHIP_CHANGING,
        )
    if len(instances) > replicas:
        return Hold(
            "a scale-in is requested; it removes an unhealthy member before a healthy one",
            reason=reasons.MEMBERSHIP_CHANGING,
        )
    if pd.leader == name:
        return Hold(
            f"{name} leads PD; failover waits for leadership to move to a healthy member",
            reason=reasons.LEADER_UNHEALTHY,
        )
    others = [m.name or "(unstarted)" for m in pd.members if m.name != name and not m.healthy]
    if others:
        return Hold(
            f"PD members {_names(others)} are unhealthy too; a member is replaced only while "
            "every other member is healthy, so that a quorum holds while it rejoins",
            blocked=True,
            reason=reasons.QUORUM_AT_RISK,
        )
    if not keeps_quorum_without(pd.states(), name):
        return Hold(
            f"without {name} PD would have no healthy quorum",
            blocked=True,
            reason=reasons.QUORUM_AT_RISK,
        )
    return None


# A failover in flight.

Presence = Literal["present", "terminating", "gone"]


@dataclass(frozen=True)
class World:
    """What the next step of a failover in flight is decided on, read afresh."""

    instance: Presence
    """The PD instance of the record."""
    annotated: bool
    """The instance still carries its bootstrap `initial-cluster` annotation."""
    pvc: Presence
    """The data PVC the record names (by uid)."""
    pod: bool
    """The instance has a Pod that is not terminating."""


@dataclass(frozen=True)
class DeleteMember:
    member_id: int


@dataclass(frozen=True)
class Recreate:
    """Give the instance a fresh start, in this order: the old data PVC deleted (it stays,
    terminating, while the Pod uses it), the bootstrap annotation removed (the new member
    joins with `join`), then the Pod deleted."""

    delete_pvc: bool
    unannotate: bool
    delete_pod: bool


@dataclass(frozen=True)
class Advance:
    """Record `step` and go on; `note` says why."""

    step: str
    note: str


Resume = DeleteMember | Recreate | Advance | Hold


def in_flight(records: Sequence[FailoverRecord]) -> FailoverRecord | None:
    return next((r for r in records if r.step in IN_FLIGHT), None)


def resume_step(
    record: FailoverRecord,
    policy: Policy,
    world: World,
    pd: PDMembers | None,
    pd_problem: Hold | None,
    replicas: int,
    instances: Sequence[Candidate],
) -> Resume:
    """The next step of the failover `record` describes."""
    name = record.instance
    member_id = int(record.id or 0)
    if world.instance != "present":
        return Advance(CANCELLED, f"{name} is being deleted; the failover ends")
    if pd is None:
        problem = pd_problem or Hold("PD cannot be asked", True, reasons.PD_UNAVAILABLE)
        return Hold(
            f"failover of {name} waits: {problem.message}", blocked=True, reason=problem.reason
        )
    if record.step in (DETECTED, MEMBER_DELETED) and not pd.leader:
        return Hold(
            f"failover of {name} waits: PD has no leader; failover never acts without one",
            blocked=True,
            reason=reasons.NO_LEADER,
        )
    if record.step == DETECTED:
        return _member_step(record, policy, pd, replicas, instances)
    if record.step == MEMBER_DELETED:
        return _recreate_step(name, member_id, world, pd)
    rejoined = pd.named(name)
    if rejoined is not None and rejoined.id != member_id and rejoined.healthy:
        return Advance(COMPLETED, f"{name} rejoined PD as member {rejoined.id}")
    return Hold(f"failover of {name}: waiting for it to rejoin PD on a fresh PVC")


def _member_step(
    record: FailoverRecord,
    policy: Policy,
    pd: PDMembers,
    replicas: int,
    instances: Sequence[Candidate],
) -> Resume:
    name = record.instance
    member = pd.by_id(int(record.id or 0))
    if member is None:
        return Advance(MEMBER_DELETED, f"member {record.id} of {name} is out of PD")
    if member.healthy:
        return Advance(CANCELLED, f"{name} recovered before its member was deleted")
    if not policy.enabled:
        return Advance(CANCELLED, f"failover was disabled before the member of {name} went")
    if len(instances) > replicas:
        # The scale task waits while a failover is in flight: step aside for it.
        return Advance(
            CANCELLED,
            f"a scale-in was requested before the member of {name} went; it removes an "
            "unhealthy member first",
        )
    hold = may_go(name, pd, replicas, instances)
    if hold is not None:
        return Hold(f"failover of {name} waits: {hold.message}", hold.blocked, hold.reason)
    return DeleteMember(member.id)


def _recreate_step(name: str, member_id: int, world: World, pd: PDMembers) -> Resume:
    listed = pd.named(name)
    if listed is not None and listed.id != member_id:
        return Advance(RECREATED, f"{name} is back in PD as member {listed.id}")
    if world.pvc == "gone" and not world.annotated:
        return Advance(RECREATED, f"the old data PVC of {name} is gone")
    action = Recreate(
        delete_pvc=world.pvc == "present", unannotate=world.annotated, delete_pod=world.pod
    )
    if action == Recreate(False, False, False):
        return Hold(
            f"failover of {name}: waiting for its old data PVC to go (it goes with the Pod)"
        )
    return action
