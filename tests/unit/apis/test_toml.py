from __future__ import annotations

import datetime
import math
import tomllib
from typing import Any

import pytest

from apis import toml


def test_document_round_trips_through_tomllib() -> None:
    document: dict[str, Any] = {
        "name": "pd-0",
        "lease": 3,
        "ratio": 0.25,
        "enabled": True,
        "endpoints": ["a", "b"],
        "matrix": [[1, 2], [3]],
        "log": {"level": "info", "file": {"filename": "/var/log/pd.log", "max-days": 7}},
        "replication": {},
        "labels": [{"key": "zone", "value": "a"}, {"key": "host", "value": "h1"}],
        "started": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    }
    assert tomllib.loads(toml.dumps(document)) == document


def test_nested_tables_get_dotted_headers_after_the_values() -> None:
    assert toml.dumps({"a": 1, "server": {"labels": {"zone": "z"}}}) == (
        'a = 1\n\n[server.labels]\nzone = "z"\n'
    )


def test_empty_table_is_kept() -> None:
    assert toml.dumps({"security": {}}) == "[security]\n"


def test_empty_document_is_empty_text() -> None:
    assert toml.dumps({}) == ""


@pytest.mark.parametrize(
    "text", ['quote " and backslash \\', "line\nbreak\ttab", "ünïcode ✓", "del \x7f", "ctl \x01"]
)
def test_strings_are_escaped(text: str) -> None:
    assert tomllib.loads(toml.dumps({"s": text})) == {"s": text}


def test_keys_that_are_not_bare_are_quoted() -> None:
    document = {"a.b": 1, "with space": {"x y": 2}}
    assert tomllib.loads(toml.dumps(document)) == document


def test_special_floats() -> None:
    written = tomllib.loads(toml.dumps({"up": math.inf, "down": -math.inf, "nan": math.nan}))
    assert written["up"] == math.inf and written["down"] == -math.inf
    assert math.isnan(written["nan"])


def test_unsupported_values_are_an_error() -> None:
    with pytest.raises(TypeError, match="cannot write set as TOML"):
        toml.dumps({"s": {1, 2}})
