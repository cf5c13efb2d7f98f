"""May a PD member go, and who takes over leadership (rules 3 and 4)."""

from datetime import UTC, datetime, timedelta

import pytest

from controllers.common.updater import MemberState, keeps_quorum_without
from controllers.pd.decisions import TransferCandidate, leader_transfer_target, suspend_hold

H, U = True, False
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def members(*health: bool) -> list[MemberState]:
    return [MemberState(f"m{i}", h) for i, h in enumerate(health)]


@pytest.mark.parametrize(
    ("health", "leaving", "expected"),
    [
        ((H, H, H), "m0", True),  # 2 of 2 remain healthy
        ((H, H, U), "m0", False),  # 1 of 2 healthy: no majority
        ((H, H, U), "m2", True),  # removing the unhealthy one leaves 2 of 2
        ((H, H, H, H, H), "m0", True),
        ((H, H, H, U, U), "m0", False),  # 2 of 4 is not a majority
        ((H, H, H, H, U), "m0", True),  # 3 of 4
        ((H, H), "m0", True),  # 1 of 1
        ((H,), "m0", False),  # the last member never goes
        ((H, H, H), "absent", True),  # not a member: membership unchanged and healthy
        ((U, U, H), "absent", False),
    ],
)
def test_member_may_go_only_if_the_rest_keep_a_healthy_quorum(
    health: tuple[bool, ...], leaving: str, expected: bool
) -> None:
    assert keeps_quorum_without(members(*health), leaving) is expected


def test_an_unstarted_member_counts_against_the_quorum() -> None:
    states = [MemberState("a", True), MemberState("b", True), MemberState("", False)]
    assert keeps_quorum_without(states, "a") is False


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # The one Ready the longest wins.
        (
            [
                TransferCandidate("b", True, T0 + timedelta(minutes=5)),
                TransferCandidate("c", True, T0),
            ],
            "c",
        ),
        # Unhealthy or not Ready members never take over.
        (
            [
                TransferCandidate("b", False, T0),
                TransferCandidate("c", True, None),
                TransferCandidate("d", True, T0 + timedelta(hours=1)),
            ],
            "d",
        ),
        # Ties go by name, so the choice is stable across reconciles.
        ([TransferCandidate("z", True, T0), TransferCandidate("b", True, T0)], "b"),
        # The leader itself is never the target.
        ([TransferCandidate("a", True, T0), TransferCandidate("b", True, T0 + timedelta(1))], "b"),
        # Nobody qualifies: the leader stays.
        ([TransferCandidate("a", True, T0), TransferCandidate("b", False, T0)], None),
        ([], None),
    ],
)
def test_leadership_goes_to_the_longest_healthy_ready_peer(
    candidates: list[TransferCandidate], expected: str | None
) -> None:
    assert leader_transfer_target(candidates, leader="a") == expected


@pytest.mark.parametrize(
    ("tikv_pods", "leader", "other_pd_pods", "goes"),
    [
        ((), False, (), True),
        ((), False, ("pd-b", "pd-c"), True),  # followers go together
        ((), True, (), True),  # the leader goes once it is the last PD Pod
        ((), True, ("pd-b",), False),  # ... not while a follower's Pod remains
        (("kv-a",), False, (), False),  # TiKV Pods go before any PD Pod
        (("kv-a",), True, (), False),
    ],
)
def test_suspension_takes_tikv_pods_first_and_the_pd_leader_last(
    tikv_pods: tuple[str, ...], leader: bool, other_pd_pods: tuple[str, ...], goes: bool
) -> None:
    assert (suspend_hold(tikv_pods, leader, other_pd_pods) is None) is goes


def test_suspension_hold_names_what_it_waits_for() -> None:
    assert "kv-a, kv-b" in str(suspend_hold(("kv-b", "kv-a"), False, ()))
    assert "pd-b" in str(suspend_hold((), True, ("pd-b",)))
