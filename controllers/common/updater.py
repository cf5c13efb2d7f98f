"""The arithmetic of changing a group one safe step at a time (DESIGN §4 "updater", §5 rules
3, 4, 6 and 13), shared by the PD and TiKV groups and instances: plain functions over data.

Which instance goes first differs on purpose (PD never picks its leader; TiKV ranks by store
state) and lives with each group's decisions; what "one at a time" and "a quorum survives"
mean is decided here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
