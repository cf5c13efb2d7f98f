from __future__ import annotations

from datetime import timedelta

import pytest

from apis.types import parse_duration, parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5s", timedelta(seconds=1.5)),
        ("250ms", timedelta(milliseconds=250)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_parse_duration_rejects_text_that_is_not_a_duration() -> None:
    with pytest.raises(ValueError, match="'5 minutes' is not a duration"):
        parse_duration("5 minutes")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        ("20Gi", 20 * 2**30),
        ("500m", 0.5),
        ("1k", 1000.0),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("2E", 2e18),
    ],
)
def test_parse_quantity(value: int | str, expected: float) -> None:
    assert parse_quantity(value) == expected


def test_parse_quantity_rejects_text_that_is_not_a_quantity() -> None:
    with pytest.raises(ValueError, match="'20 GB' is not a quantity"):
        parse_quantity("20 GB")
