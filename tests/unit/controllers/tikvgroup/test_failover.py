"""TiKV failover decisions (DESIGN §6, rule 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apis.common import FailoverRecord
from controllers.common.updater import Hold, Settled
from controllers.tikvgroup import reasons
from controllers.tikvgroup.failover import (
    CHOSEN,
    CREATED,
    UP,
    Advance,
    Candidate,
    Create,
    FailoverStep,
    Forget,
    Policy,
    Replace,
    failover_step,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)
ON = Policy(
    enabled=True, store_down_timeout=TIMEOUT, max_failover_count=1, recover_automatically=False
)


def serving(name: str, store_id: int = 1) -> Candidate:
    return Candidate(name, store_id, "Up", None, pod_ready=True, ready=True)


def silent(
    name: str,
    store_id: int = 9,
    *,
    since: timedelta,
    state: str = "Disconnected",
    pod_ready: bool = False,
) -> Candidate:
    return Candidate(name, store_id, state, NOW - since, pod_ready=pod_ready, ready=False)


def record(instance: str, replacement: str, step: str) -> FailoverRecord:
    return FailoverRecord(
        instance=instance, id="9", replacement=replacement, reason="down", time=NOW, step=step
    )


def step(
    candidates: list[Candidate],
    records: list[FailoverRecord] | None = None,
    policy: Policy = ON,
    *,
    pd_leader: bool = True,
) -> FailoverStep:
    return failover_step(candidates, records or [], policy, pd_leader=pd_leader, now=NOW)


@pytest.mark.parametrize(
    "candidates",
    [
        [serving("a"), serving("b")],
        # Silent, but not for storeDownTimeout yet.
        [serving("a"), silent("b", since=timedelta(minutes=10))],
        # Silent long enough, but its Pod is Ready: a network problem, not a dead store.
        [serving("a"), silent("b", since=timedelta(hours=1), pod_ready=True)],
        # A store on its way out is not replaced.
        [serving("a"), Candidate("b", 9, "Down", None, pod_ready=False, ready=False, active=False)],
        # Registered, no heartbeat yet, Pod not Ready: real PD says Down (its down time
        # counts from the epoch) for a TiKV that is only starting.
        [serving("a"), Candidate("b", 9, "Down", None, pod_ready=False, ready=False)],
    ],
    ids=["all-up", "not-long-enough", "pod-ready", "leaving", "never-heartbeated"],
)
def test_no_failover_while_no_store_has_failed(candidates: list[Candidate]) -> None:
    assert step(candidates) == Settled()


@pytest.mark.parametrize(
    "failed",
    [
        silent("b", since=timedelta(minutes=31)),
        silent("b", since=timedelta(minutes=1), state="Down"),
    ],
    ids=["heartbeat-older-than-timeout", "pd-says-down"],
)
def test_a_failed_store_gets_one_replacement(failed: Candidate) -> None:
    decided = step([serving("a"), failed])
    assert isinstance(decided, Replace)
    assert (decided.instance, decided.store_id) == ("b", 9)
    assert "Pod is not Ready" in decided.reason


def test_failover_off_does_nothing() -> None:
    off = Policy(False, TIMEOUT, 3, False)
    assert step([silent("b", since=timedelta(hours=1))], policy=off) == Settled()


def test_no_failover_while_pd_has_no_leader() -> None:
    decided = step([silent("b", since=timedelta(hours=1))], pd_leader=False)
    assert isinstance(decided, Hold) and decided.reason == reasons.PD_UNAVAILABLE


def test_one_failover_at_a_time() -> None:
    decided = step(
        [
            serving("a"),
            silent("b", since=timedelta(hours=1)),
            silent("c", 8, since=timedelta(hours=1)),
            # The replacement's Pod is Pending: never scheduled, no store yet.
            Candidate("r", None, None, None, pod_ready=False, ready=False),
        ],
        [record("b", "r", CREATED)],
        Policy(True, TIMEOUT, 3, False),
    )
    assert isinstance(decided, Hold) and decided.reason == reasons.FAILOVER_IN_PROGRESS
    assert "r (for b)" in decided.message


def test_never_beyond_max_failover_count() -> None:
    done = Candidate("r", 3, "Up", None, pod_ready=True, ready=True)
    decided = step(
        [
            serving("a"),
            silent("b", since=timedelta(hours=1)),
            silent("c", 8, since=timedelta(hours=1)),
            done,
        ],
        [record("b", "r", UP)],
    )
    assert isinstance(decided, Hold) and decided.reason == reasons.MAX_FAILOVER_COUNT
    assert "maxFailoverCount 1" in decided.message


@pytest.mark.parametrize(
    ("candidates", "records", "expected"),
    [
        # Crash after the record was written, before the instance: create that one.
        ([silent("b", since=timedelta(hours=1))], [record("b", "r", CHOSEN)], Create("b", "r")),
        # The instance exists: the record catches up.
        (
            [silent("b", since=timedelta(hours=1)), Candidate("r", None, None, None, False, False)],
            [record("b", "r", CHOSEN)],
            Advance("b", CREATED),
        ),
        (
            [silent("b", since=timedelta(hours=1)), serving("r", 3)],
            [record("b", "r", CREATED)],
            Advance("b", UP),
        ),
        # Done and nothing else failed.
        (
            [silent("b", since=timedelta(hours=1)), serving("r", 3)],
            [record("b", "r", UP)],
            Settled(),
        ),
        # The failed instance or its replacement went away: the record goes too.
        ([serving("r", 3)], [record("b", "r", UP)], Forget("b", "b no longer exists")),
        (
            [silent("b", since=timedelta(hours=1))],
            [record("b", "r", UP)],
            Forget("b", "its replacement r was removed"),
        ),
    ],
    ids=["resume-create", "created", "replacement-up", "done", "failed-gone", "replacement-gone"],
)
def test_a_recorded_failover_resumes_where_it_stopped(
    candidates: list[Candidate], records: list[FailoverRecord], expected: FailoverStep
) -> None:
    assert step(candidates, records) == expected


def test_recover_automatically_forgets_the_record_once_the_store_is_back() -> None:
    back = [serving("b", 9), serving("r", 3)]
    records = [record("b", "r", UP)]
    assert step(back, records) == Settled()
    recovering = Policy(True, TIMEOUT, 1, recover_automatically=True)
    decided = step(back, records, recovering)
    assert isinstance(decided, Forget) and decided.instance == "b"


def test_a_failed_instance_being_removed_ends_its_failover() -> None:
    leaving = Candidate("b", 9, "Down", None, pod_ready=False, ready=False, active=False)
    decided = step([leaving, serving("r", 3)], [record("b", "r", UP)])
    assert decided == Forget("b", "b is being removed")
