"""A PD member restarts only once every other member is healthy in PD's fresh view (rule 6):
the group may have seen the last restarted member's Pod Ready before PD had it back."""

from __future__ import annotations

from controllers.pd.tasks.pod import unhealthy_peers
from tikv_operator.pdapi.models import Member
from tikv_operator.pdapi.poller import Snapshot


def view(healthy: dict[str, bool]) -> Snapshot:
    members = tuple(Member(name=n, member_id=i + 1) for i, n in enumerate(healthy))
    return Snapshot(0, members=members, health=healthy)


def test_every_other_member_healthy_lets_a_member_restart() -> None:
    assert unhealthy_peers(view({"a": True, "b": True, "c": False}), "c") == []


def test_another_member_not_back_holds_the_restart() -> None:
    assert unhealthy_peers(view({"a": False, "b": True, "c": True}), "c") == ["a"]


def test_a_member_not_started_yet_holds_it_too() -> None:
    snapshot = view({"a": True, "b": True})
    snapshot = Snapshot(0, members=(*snapshot.members, Member(member_id=9)), health=snapshot.health)
    assert unhealthy_peers(snapshot, "b") == ["(joining)"]
