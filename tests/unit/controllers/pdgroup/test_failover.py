"""PD member failover decisions: when a member is due, every refusal, and each step of a
failover in flight (including where a restarted operator finds the world after a crash)."""

from datetime import UTC, datetime, timedelta

import pytest

from apis.common import FailoverRecord
from controllers.common.updater import Hold, Settled
from controllers.pdgroup import reasons
from controllers.pdgroup.failover import (
    CANCELLED,
    COMPLETED,
    DETECTED,
    MEMBER_DELETED,
    RECREATED,
    Advance,
    Candidate,
    DeleteMember,
    FailOver,
    Member,
    NotDue,
    PDMembers,
    Policy,
    Recreate,
    World,
    failover_step,
    in_flight,
    resume_step,
)

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
ON = Policy(enabled=True, timeout=300.0, timeout_text="5m")
OFF = Policy(enabled=False, timeout=300.0, timeout_text="5m")
LONG_AGO = NOW - timedelta(minutes=10)
RECENTLY = NOW - timedelta(minutes=1)


def ready(name: str) -> Candidate:
    return Candidate(name, None)


def down_since(name: str, since: datetime = LONG_AGO) -> Candidate:
    return Candidate(name, since)


def pd(*unhealthy: str, leader: str = "a", names: tuple[str, ...] = ("a", "b", "c")) -> PDMembers:
    return PDMembers([Member(n, i + 1, n not in unhealthy) for i, n in enumerate(names)], leader)


GROUP = [ready("a"), ready("b"), down_since("c")]


def step(
    instances: list[Candidate] = GROUP,
    members: PDMembers | None = None,
    policy: Policy = ON,
    replicas: int = 3,
    **kw: object,
) -> object:
    return failover_step(policy, NOW, replicas, instances, members, **kw)  # type: ignore[arg-type]


def test_a_member_unhealthy_past_the_timeout_with_the_rest_healthy_fails_over() -> None:
    decided = step(members=pd("c"))
    assert isinstance(decided, FailOver)
    assert (decided.name, decided.member_id) == ("c", 3)
    assert "5m" in decided.reason


def test_nothing_to_do_while_every_member_is_healthy() -> None:
    assert step([ready("a"), ready("b"), ready("c")], pd()) == Settled()


def test_an_unhealthy_member_is_looked_at_again_when_its_timeout_ends() -> None:
    decided = step([ready("a"), ready("b"), down_since("c", RECENTLY)], pd("c"))
    assert isinstance(decided, NotDue)
    assert decided.after == pytest.approx(240.0)


def test_a_member_whose_status_is_not_ready_but_pd_says_healthy_is_left_alone() -> None:
    assert step(members=pd()) == Settled()


@pytest.mark.parametrize(
    ("why", "instances", "members", "kw", "reason", "blocked"),
    [
        ("disabled", GROUP, pd("c"), {"policy": OFF}, reasons.FAILOVER_DISABLED, False),
        ("no leader", GROUP, pd("c", leader=""), {}, reasons.NO_LEADER, True),
        (
            "PD without a leader cannot be asked",
            GROUP,
            None,
            {"pd_problem": Hold("PD has no leader (503)", True, reasons.NO_LEADER)},
            reasons.NO_LEADER,
            True,
        ),
        ("PD cannot be asked", GROUP, None, {}, reasons.PD_UNAVAILABLE, True),
        (
            "another member is unhealthy: a quorum must hold while it rejoins",
            [ready("a"), down_since("b", NOW - timedelta(minutes=6)), down_since("c")],
            pd("b", "c"),
            {},
            reasons.QUORUM_AT_RISK,
            True,
        ),
        (
            "another member restarts",
            [ready("a"), down_since("b", RECENTLY), down_since("c")],
            pd("b", "c"),
            {},
            reasons.QUORUM_AT_RISK,
            True,
        ),
        (
            "an instance is leaving PD",
            [ready("a"), Candidate("b", None, deleting=True), down_since("c")],
            pd("c"),
            {},
            reasons.MEMBERSHIP_CHANGING,
            False,
        ),
        (
            "an instance is joining PD",
            [*GROUP, ready("d")],
            pd("c"),
            {"replicas": 4},
            reasons.MEMBERSHIP_CHANGING,
            False,
        ),
        (
            "a scale-in is requested",
            GROUP,
            pd("c"),
            {"replicas": 2},
            reasons.MEMBERSHIP_CHANGING,
            False,
        ),
        ("it leads PD", GROUP, pd("c", leader="c"), {}, reasons.LEADER_UNHEALTHY, False),
    ],
)
def test_failover_refuses(
    why: str,
    instances: list[Candidate],
    members: PDMembers | None,
    kw: dict[str, object],
    reason: str,
    blocked: bool,
) -> None:
    decided = step(instances, members, **kw)
    assert isinstance(decided, Hold), why
    assert (decided.reason, decided.blocked) == (reason, blocked), decided.message
    assert "c has been unhealthy" in decided.message


def test_a_scale_out_request_does_not_hold_failover() -> None:
    # The scale-out itself waits until every member is healthy: failover goes first.
    assert isinstance(step(members=pd("c"), replicas=5), FailOver)


def test_failover_disabled_says_nothing_before_the_timeout() -> None:
    instances = [ready("a"), ready("b"), down_since("c", RECENTLY)]
    assert step(instances, pd("c"), policy=OFF) == Settled()


def test_nothing_moves_while_compute_is_suspended() -> None:
    assert step(members=pd("c"), suspended=True) == Settled()


def test_without_pd_only_a_stall_past_the_timeout_is_reported() -> None:
    assert step([ready("a"), ready("b"), down_since("c", RECENTLY)], None) != Settled()
    assert step([ready("a"), ready("b"), ready("c")], None) == Settled()


# A failover in flight.


def record(step: str, pvc_uid: str | None = "old-uid") -> FailoverRecord:
    return FailoverRecord(
        instance="c", id="3", pvc_uid=pvc_uid, reason="unhealthy", time=NOW, step=step
    )


def world(
    instance: str = "present", annotated: bool = True, pvc: str = "present", pod: bool = True
) -> World:
    return World(instance, annotated, pvc, pod)  # type: ignore[arg-type]


def resume(
    rec: FailoverRecord,
    w: World | None = None,
    members: PDMembers | None = None,
    policy: Policy = ON,
) -> object:
    return resume_step(rec, policy, w or world(), members, None, 3, GROUP)


def test_detected_deletes_the_member_by_its_recorded_id() -> None:
    assert resume(record(DETECTED), members=pd("c")) == DeleteMember(3)


def test_detected_moves_on_once_the_recorded_member_is_out_of_pd() -> None:
    members = pd(names=("a", "b"))
    assert resume(record(DETECTED), members=members) == Advance(
        MEMBER_DELETED, "member 3 of c is out of PD"
    )


def test_detected_never_deletes_a_member_that_rejoined_under_the_same_name() -> None:
    rejoined = PDMembers([Member("a", 1, True), Member("b", 2, True), Member("c", 9, False)], "a")
    decided = resume(record(DETECTED), members=rejoined)
    assert isinstance(decided, Advance) and decided.step == MEMBER_DELETED


@pytest.mark.parametrize(
    ("why", "members", "policy"),
    [("the member recovered", pd(), ON), ("failover was disabled", pd("c"), OFF)],
)
def test_detected_is_cancelled_before_anything_is_lost(
    why: str, members: PDMembers, policy: Policy
) -> None:
    decided = resume(record(DETECTED), members=members, policy=policy)
    assert isinstance(decided, Advance) and decided.step == CANCELLED, why


def test_detected_steps_aside_for_a_scale_in_requested_meanwhile() -> None:
    decided = resume_step(record(DETECTED), ON, world(), pd("c"), None, 2, GROUP)
    assert isinstance(decided, Advance) and decided.step == CANCELLED


@pytest.mark.parametrize(
    ("why", "members", "reason"),
    [
        ("no leader", pd("c", leader=""), reasons.NO_LEADER),
        ("another member went unhealthy", pd("b", "c"), reasons.QUORUM_AT_RISK),
    ],
)
def test_detected_holds_while_deleting_the_member_is_unsafe(
    why: str, members: PDMembers, reason: str
) -> None:
    decided = resume(record(DETECTED), members=members)
    assert isinstance(decided, Hold) and decided.blocked and decided.reason == reason, why


@pytest.mark.parametrize("at", [DETECTED, MEMBER_DELETED, RECREATED])
def test_every_step_waits_while_pd_cannot_be_asked(at: str) -> None:
    decided = resume(record(at), members=None)
    assert isinstance(decided, Hold) and decided.reason == reasons.PD_UNAVAILABLE


@pytest.mark.parametrize("at", [DETECTED, MEMBER_DELETED, RECREATED])
def test_a_deleted_instance_ends_the_failover(at: str) -> None:
    decided = resume(record(at), world(instance="terminating"), pd("c"))
    assert isinstance(decided, Advance) and decided.step == CANCELLED


AFTER_DELETE = pd(names=("a", "b"))


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        # The first visit: everything is still the old instance.
        (world(), Recreate(delete_pvc=True, unannotate=True, delete_pod=True)),
        # A crash after the PVC was deleted (it stays while its Pod uses it).
        (world(pvc="terminating"), Recreate(False, True, True)),
        # A crash after the annotation went.
        (world(annotated=False, pvc="terminating"), Recreate(False, False, True)),
        # A member that never bootstrapped the cluster has no annotation.
        (world(annotated=False), Recreate(True, False, True)),
    ],
)
def test_member_deleted_recreates_the_instance_in_order(found: World, expected: Recreate) -> None:
    assert resume(record(MEMBER_DELETED), found, AFTER_DELETE) == expected


def test_member_deleted_touches_nothing_while_pd_has_no_leader() -> None:
    decided = resume(record(MEMBER_DELETED), world(), pd(leader="", names=("a", "b")))
    assert isinstance(decided, Hold) and decided.reason == reasons.NO_LEADER


def test_a_bootstrap_member_without_its_old_pvc_still_comes_back_with_join() -> None:
    decided = resume(record(MEMBER_DELETED, pvc_uid=None), world(pvc="gone"), AFTER_DELETE)
    assert decided == Recreate(delete_pvc=False, unannotate=True, delete_pod=True)


def test_member_deleted_waits_for_the_old_pvc_to_go() -> None:
    decided = resume(
        record(MEMBER_DELETED), world(annotated=False, pvc="terminating", pod=False), AFTER_DELETE
    )
    assert isinstance(decided, Hold) and not decided.blocked


@pytest.mark.parametrize(
    ("why", "found", "members"),
    [
        (
            "the old PVC is gone (a PVC of another uid is the fresh one)",
            world(annotated=False, pvc="gone"),
            None,
        ),
        (
            "no PVC was recorded (none existed), so none is looked for",
            world(annotated=False, pvc="gone"),
            None,
        ),
        (
            "the instance rejoined already",
            world(pvc="present"),
            PDMembers([Member("a", 1, True), Member("b", 2, True), Member("c", 9, True)], "a"),
        ),
    ],
)
def test_member_deleted_never_touches_the_fresh_instance(
    why: str, found: World, members: PDMembers | None
) -> None:
    decided = resume(record(MEMBER_DELETED), found, members or AFTER_DELETE)
    assert isinstance(decided, Advance) and decided.step == RECREATED, why


def test_recreated_completes_once_the_instance_is_a_healthy_member_with_a_new_id() -> None:
    back = PDMembers([Member("a", 1, True), Member("b", 2, True), Member("c", 9, True)], "a")
    assert resume(record(RECREATED), world(pvc="gone"), back) == Advance(
        COMPLETED, "c rejoined PD as member 9"
    )


@pytest.mark.parametrize(
    "members",
    [
        AFTER_DELETE,
        PDMembers([Member("a", 1, True), Member("b", 2, True), Member("c", 9, False)], "a"),
    ],
)
def test_recreated_waits_for_the_instance_to_rejoin(members: PDMembers) -> None:
    decided = resume(record(RECREATED), world(pvc="gone"), members)
    assert isinstance(decided, Hold) and not decided.blocked


def test_only_an_unfinished_record_is_in_flight() -> None:
    done = [record(COMPLETED), record(CANCELLED)]
    assert in_flight(done) is None
    assert in_flight([*done, record(RECREATED)]) == record(RECREATED)
