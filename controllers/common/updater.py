"""The arithmetic of changing a group one safe step at a time (DESIGN §4 "updater", §5 rules
3, 4, 6 and 13), shared by the PD and TiKV groups and instances: plain functions over data.

Which instance goes first differs on purpose (PD never picks its leader; TiKV ranks by store
state) and lives with each group's decisions; what "one at a time" and "a quorum survives"
mean is decided here only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from apis.common import SchedulePolicy
from controllers.common.topology import crowding
from tikv_operator.pdapi.poller import Snapshot


@dataclass(frozen=True)
class MemberState:
    """One PD member as PD reports it. An added but never started member has name ""."""

    name: str
    healthy: bool


def member_states(snapshot: Snapshot) -> list[MemberState]:
    """Every member of a PD snapshot, an unstarted one (no name) counting as unhealthy."""
    return [
        MemberState(m.name, bool(m.name) and snapshot.healthy(m.name)) for m in snapshot.members
    ]


def quorum(count: int) -> int:
    """Members needed for a majority of `count`."""
    return count // 2 + 1


def keeps_quorum_without(members: Sequence[MemberState], leaving: str) -> bool:
    """Whether the members other than `leaving` still hold a healthy majority of the
    membership that remains once `leaving` is gone (or down, for a restart).

    The last member can never go: etcd keeps at least one, and there would be no quorum.
    """
    remaining = [m for m in members if m.name != leaving]
    if not remaining:
        return False
    healthy = sum(1 for m in remaining if m.healthy)
    return healthy >= quorum(len(remaining))


@dataclass(frozen=True)
class Hold:
    """Nothing may change now. `blocked` marks a request that is unsafe or impossible (the
    group reports Blocked with `reason`), as opposed to one simply in progress."""

    message: str
    blocked: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Settled:
    pass


@dataclass(frozen=True)
class Act:
    """A step on one named instance; each kind of step is a subclass."""

    name: str


class Update(Act):
    """Move this instance to the group's current template next."""


UpdateStep = Update | Hold | Settled


class Placed(Protocol):
    """What the updater needs of any instance: its name, where it runs, when it was made."""

    @property
    def name(self) -> str: ...
    @property
    def topology(self) -> Mapping[str, str]: ...
    @property
    def created(self) -> datetime | None: ...


P = TypeVar("P", bound=Placed)


def names(instances: Iterable[Placed]) -> str:
    return ", ".join(sorted(i.name for i in instances))


def pick_victim(
    instances: Sequence[P],
    policies: Sequence[SchedulePolicy],
    cheapest: Callable[[P], tuple[bool, ...]],
) -> P:
    """The instance to remove first: the cheapest to lose by the component's own measure
    (`cheapest`, False first), then one from the most crowded topology, then the newest."""
    load = crowding(policies, [i.topology for i in instances])

    def cost(i: P) -> tuple[tuple[bool, ...], float, float, str]:
        newest = -i.created.timestamp() if i.created is not None else 0.0
        return (cheapest(i), -load(i.topology), newest, i.name)

    return min(instances, key=cost)


class Rollable(Placed, Protocol):
    @property
    def broken(self) -> bool: ...


def broken_first(outdated: Sequence[Rollable]) -> Update | None:
    """An outdated instance that is not Ready (by a status about its current spec) goes
    first, without waiting for the others: moving it costs no availability, and a fixed
    template must reach the instances a broken one left without a running Pod (else the
    update would wait for them for ever)."""
    broken = sorted((i for i in outdated if i.broken), key=lambda i: i.name)
    return Update(broken[0].name) if broken else None


def wait_for_busy(busy: Sequence[Placed], what: str) -> Hold | None:
    """One at a time (rule 6): nothing moves to the new template while an instance is not
    Ready with its Pod up to date."""
    if not busy:
        return None
    return Hold(f"waiting for {names(busy)} to be Ready before updating the next {what}")
