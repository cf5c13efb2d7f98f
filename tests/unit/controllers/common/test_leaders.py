"""When a store counts as short of leaders because of the operator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apis.meta import Condition
from controllers.common.leaders import evicting, leaders_returning

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=5)


def evicted(status: str, reason: str, ago: timedelta = timedelta(seconds=5)) -> Condition:
    return Condition(
        type="LeadersEvicted",
        status=status,
        reason=reason,
        message="",
        last_transition_time=NOW - ago,
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, False),
        (evicted("False", "NotEvicting"), False),
        (evicted("False", "EvictingLeaders"), True),
        (evicted("True", "LeadersEvicted"), True),
        (evicted("True", "EvictionTimedOut"), True),
        (evicted("False", "EvictionEnded"), False),
    ],
)
def test_evicting(condition: Condition | None, expected: bool) -> None:
    assert evicting(condition) == expected


@pytest.mark.parametrize(
    ("condition", "leaders", "regions", "expected"),
    [
        (evicted("False", "EvictionEnded"), 0, 12, True),
        (evicted("False", "EvictionEnded"), 3, 12, False),  # leaders are back
        (evicted("False", "EvictionEnded"), 0, 0, False),  # no region, no leader to expect
        (evicted("False", "EvictionEnded", timedelta(minutes=6)), 0, 12, False),  # waited enough
        (evicted("False", "NotEvicting"), 0, 12, False),  # a new store, never restarted
        (None, 0, 12, False),
    ],
    ids=["not-back", "back", "no-regions", "timed-out", "never-evicted", "no-condition"],
)
def test_leaders_returning(
    condition: Condition | None, leaders: int, regions: int, expected: bool
) -> None:
    assert leaders_returning(condition, leaders, regions, NOW, TIMEOUT) == expected
