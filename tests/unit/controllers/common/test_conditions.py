from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controllers.common.conditions import available_in, find, is_true, set_condition

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(minutes=1)


def test_setting_a_new_condition_appends_it() -> None:
    got = set_condition([], "Ready", "True", "R", "m", generation=1, now=T0)
    assert [(c.type, c.status, c.last_transition_time) for c in got] == [("Ready", "True", T0)]


def test_transition_time_moves_only_when_status_changes() -> None:
    first = set_condition([], "Ready", "True", "R", "m", generation=1, now=T0)
    same = set_condition(first, "Ready", "True", "R2", "m2", generation=2, now=T1)
    assert find(same, "Ready").last_transition_time == T0  # type: ignore[union-attr]
    assert find(same, "Ready").reason == "R2"  # type: ignore[union-attr]
    flipped = set_condition(same, "Ready", "False", "R3", "m3", generation=2, now=T1)
    assert find(flipped, "Ready").last_transition_time == T1  # type: ignore[union-attr]


def test_setting_one_condition_keeps_the_others() -> None:
    both = set_condition(
        set_condition([], "Ready", "True", "R", "m", generation=1, now=T0),
        "Synced", "False", "S", "m", generation=1, now=T0,
    )  # fmt: skip
    changed = set_condition(both, "Synced", "True", "S", "m", generation=1, now=T1)
    assert [c.type for c in changed] == ["Ready", "Synced"]
    assert is_true(changed, "Ready") and is_true(changed, "Synced")
    assert not is_true(changed, "Missing")


def test_a_later_beginning_moves_the_transition_time_even_without_a_status_change() -> None:
    """A Pod that was replaced and became Ready again between two reconciles (which only
    saw it Ready) still starts minReadySeconds afresh."""
    first = set_condition([], "Ready", "True", "R", "m", generation=1, now=T0)
    T2 = T1 + timedelta(minutes=1)
    again = set_condition(first, "Ready", "True", "R", "m", generation=1, now=T2, began=T1)
    assert find(again, "Ready").last_transition_time == T1  # type: ignore[union-attr]
    earlier = set_condition(again, "Ready", "True", "R", "m", generation=1, now=T2, began=T0)
    assert find(earlier, "Ready").last_transition_time == T1  # type: ignore[union-attr]
    ahead = set_condition([], "Ready", "True", "R", "m", generation=1, now=T0, began=T1)
    assert find(ahead, "Ready").last_transition_time == T0  # type: ignore[union-attr]


def test_available_after_min_ready_seconds() -> None:
    ready = set_condition([], "Ready", "True", "R", "m", generation=1, now=T0)
    assert available_in(ready, 90, T1) == 30
    assert available_in(ready, 60, T1) == 0
    assert available_in([], 0, T1) is None
