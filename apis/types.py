"""Constrained scalar types: quantities, durations, versions and names.

Each carries its rule twice, as a Python check with a readable message and as the
JSON-schema pattern the API server enforces, so both reject the same inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

_DECIMAL = r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
QUANTITY_PATTERN = rf"^{_DECIMAL}(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?{_DECIMAL}))?$"
DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
VERSION_PATTERN = (
    r"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return check


def _quantity(value: int | str) -> int | str:
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not a quantity: it must not be negative")
        return value
    return _matching(QUANTITY_PATTERN, "a quantity, such as 20Gi, 500m or 2")(value)


Quantity = Annotated[
    int | str,
    AfterValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "pattern": QUANTITY_PATTERN,
            "x-kubernetes-int-or-string": True,
        }
    ),
]
"""A Kubernetes resource quantity (20Gi, 500m, 4), as an integer or a string."""

Duration = Annotated[
    str,
    AfterValidator(_matching(DURATION_PATTERN, "a duration, such as 30s, 5m or 1h30m")),
    Field(max_length=64, json_schema_extra={"pattern": DURATION_PATTERN}),
]
"""A Go duration string (30s, 5m, 1h30m)."""

Version = Annotated[
    str,
    AfterValidator(
        _matching(VERSION_PATTERN, "a semantic version with a leading 'v', such as v8.5.1")
    ),
    Field(max_length=64, json_schema_extra={"pattern": VERSION_PATTERN}),
]
"""A semantic version with a leading v (v8.5.1)."""

DNSLabel = Annotated[
    str,
    AfterValidator(
        _matching(DNS_LABEL_PATTERN, "a DNS label (lower-case letters, digits and '-')")
    ),
    Field(min_length=1, max_length=63, json_schema_extra={"pattern": DNS_LABEL_PATTERN}),
]
"""A lower-case RFC 1123 label, usable inside generated object names."""

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")


def parse_duration(value: str) -> timedelta:
    """The timedelta of a Go duration string such as 1h30m."""
    _matching(DURATION_PATTERN, "a duration")(value)
    seconds = sum(
        float(number) * _DURATION_UNITS[unit] for number, unit in _DURATION_PART.findall(value)
    )
    return timedelta(seconds=seconds)


_QUANTITY_SUFFIXES: dict[str, float] = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}
_QUANTITY_PARTS = re.compile(r"^([0-9.]+)([eE][-+]?[0-9.]+|[KMGTPE]i|[numkMGTPE])?$")


def parse_quantity(value: int | str) -> float:
    """The numeric value of a quantity (bytes for storage, cores for CPU)."""
    if isinstance(value, int):
        return float(value)
    _quantity(value)
    match = _QUANTITY_PARTS.match(value)
    assert match is not None  # the pattern check above accepts only this shape
    number, suffix = match.groups()
    suffix = suffix or ""
    if suffix in _QUANTITY_SUFFIXES:
        return float(number) * _QUANTITY_SUFFIXES[suffix]
    return float(number + suffix)  # a decimal exponent, such as 1e3
