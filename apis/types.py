"""Constrained scalar types: quantities, durations, versions and names.

Each carries its rule twice, as a Python check and as a CEL rule the API server enforces,
with one wording: the API server says "<field>: must be X", Python "'<value>' is not X".
Regular expressions stay out of the schema (`pattern`), whose errors quote the regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from apis import cel

_DECIMAL = r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
QUANTITY_PATTERN = rf"^{_DECIMAL}(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?{_DECIMAL}))?$"
STORAGE_PATTERN = r"^[0-9]+(\.[0-9]+)?([KMGTPE]i|[kMGTPE])$"
MAX_STORAGE_LENGTH = 32
DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
# At most 5 digits before the point: with the 64-character limit no sum of parts can
# overflow Go's int64 nanoseconds (about 2.5 million hours), which the API server's own
# duration() would otherwise fail on, and which the operator's timers cannot hold.
BOUNDED_DURATION_PATTERN = r"^([0-9]{1,5}(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
MAX_DURATION = "24h"
VERSION_PATTERN = (
    r"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS1035_LABEL_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"

QUANTITY = "a quantity, such as 2, 500m or 8Gi"
STORAGE = (
    "a size with a unit, such as 20Gi or 500Mi (a plain number such as 20, a milli value "
    "such as 500m or an exponent such as 1e3 counts bytes)"
)
DURATION = (
    "a duration, such as 30s, 5m or 1h30m: numbers of at most 5 digits, each followed by a "
    "unit (ns, us, ms, s, m, h)"
)
VERSION = "a semantic version with a leading 'v', such as v8.5.1"
DNS_LABEL = (
    "a DNS label: at most 63 lower-case letters, digits and '-', starting and ending with "
    "a letter or digit, such as basic"
)
DNS1035_LABEL = (
    "a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a "
    "letter and ending with a letter or digit, such as basic"
)
STORAGE_POSITIVE = "storage must be greater than 0, such as 20Gi"
DURATION_BOUND = f"must be at most {MAX_DURATION}, such as 5m or 1h30m"


def must_be(what: str) -> str:
    """The API server's wording of a rule about one field."""
    return f"must be {what}"


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return check


def _matching_rule(pattern: str, what: str) -> dict[str, Any]:
    return cel.rule(f"self.matches({cel.regex(pattern)})", must_be(what))


def _quantity(value: int | str) -> int | str:
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not {QUANTITY}: it must not be negative")
        return value
    return _matching(QUANTITY_PATTERN, QUANTITY)(value)


# An int-or-string is unbounded in CEL's cost estimate (megabytes of text), so a regex over
# it would cost too much; isQuantity is linear. The sign checks keep it to what
# QUANTITY_PATTERN accepts.
_IS_QUANTITY = "isQuantity(self) && !self.startsWith('-') && !self.startsWith('+')"

Quantity = Annotated[
    int | str,
    AfterValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "x-kubernetes-int-or-string": True,
            **cel.validations(
                cel.rule(f"type(self) == int ? self >= 0 : {_IS_QUANTITY}", must_be(QUANTITY))
            ),
        }
    ),
]
"""A Kubernetes resource quantity (20Gi, 500m, 4), as an integer or a string."""


def _storage_text(value: object) -> object:
    # A YAML number would fail as "not a string"; say what it means instead.
    if isinstance(value, int | float):
        raise ValueError(f"{value!r} is not {STORAGE}")
    return value


def _storage(value: str) -> str:
    _matching(STORAGE_PATTERN, STORAGE)(value)
    if parse_quantity(value) <= 0:
        raise ValueError(STORAGE_POSITIVE)
    return value


_IS_STORAGE = f"self.matches({cel.regex(STORAGE_PATTERN)})"

# A string, not an int-or-string like the other quantities: CEL's cost estimate counts an
# int-or-string as megabytes of text, which leaves no budget for guarding the comparison
# below, and its errors would then quote the quantity regex. So `storage: 20` is refused
# as "must be of type string" by the API server.
Storage = Annotated[
    str,
    BeforeValidator(_storage_text),
    AfterValidator(_storage),
    Field(
        max_length=MAX_STORAGE_LENGTH,
        json_schema_extra=cel.validations(
            cel.rule(_IS_STORAGE, must_be(STORAGE)),
            cel.rule(
                f"!{_IS_STORAGE} || quantity(self).isGreaterThan(quantity('0'))", STORAGE_POSITIVE
            ),
            # A transition rule: it runs on updates where the volume existed before.
            cel.rule(
                f"!{_IS_STORAGE} || !oldSelf.matches({cel.regex(STORAGE_PATTERN)}) "
                "|| quantity(self).compareTo(quantity(oldSelf)) >= 0",
                message_expression=(
                    "'storage cannot shrink from ' + oldSelf + ' to ' + self"
                    " + ': a PersistentVolumeClaim can only grow'"
                ),
            ),
        ),
    ),
]
"""The size of a volume, with a unit (20Gi); never 0, never smaller than before."""


def _bounded_duration(value: str) -> str:
    _matching(BOUNDED_DURATION_PATTERN, DURATION)(value)
    if parse_duration(value) > parse_duration(MAX_DURATION):
        raise ValueError(f"{value!r} is too long: it {DURATION_BOUND}")
    return value


Duration = Annotated[
    str,
    AfterValidator(_bounded_duration),
    Field(
        max_length=64,
        json_schema_extra=cel.validations(
            _matching_rule(BOUNDED_DURATION_PATTERN, DURATION),
            cel.rule(
                f"!self.matches({cel.regex(BOUNDED_DURATION_PATTERN)}) "
                f"|| duration(self) <= duration('{MAX_DURATION}')",
                DURATION_BOUND,
            ),
        ),
    ),
]
"""A Go duration string (30s, 5m, 1h30m) of at most MAX_DURATION."""

Version = Annotated[
    str,
    AfterValidator(_matching(VERSION_PATTERN, VERSION)),
    Field(
        max_length=64, json_schema_extra=cel.validations(_matching_rule(VERSION_PATTERN, VERSION))
    ),
]
"""A semantic version with a leading v (v8.5.1)."""

DNSLabel = Annotated[
    str,
    AfterValidator(_matching(DNS_LABEL_PATTERN, DNS_LABEL)),
    Field(
        min_length=1,
        max_length=63,
        json_schema_extra=cel.validations(_matching_rule(DNS_LABEL_PATTERN, DNS_LABEL)),
    ),
]
"""A lower-case RFC 1123 label, usable inside generated object names."""

DNS1035Label = Annotated[
    str,
    AfterValidator(_matching(DNS1035_LABEL_PATTERN, DNS1035_LABEL)),
    Field(
        min_length=1,
        max_length=63,
        json_schema_extra=cel.validations(_matching_rule(DNS1035_LABEL_PATTERN, DNS1035_LABEL)),
    ),
]
"""A lower-case RFC 1035 label (starting with a letter): valid as a Service name."""


def check_dns1035_label(value: str) -> str:
    """The Python twin of DNS1035Label's rule, for names outside the schema (metadata)."""
    if len(value) > 63:
        raise ValueError(f"{value!r} is not {DNS1035_LABEL}")
    return _matching(DNS1035_LABEL_PATTERN, DNS1035_LABEL)(value)


def check_dns_label(value: str) -> str:
    """The Python twin of DNSLabel's rule, for names outside the schema (metadata)."""
    if len(value) > 63:
        raise ValueError(f"{value!r} is not {DNS_LABEL}")
    return _matching(DNS_LABEL_PATTERN, DNS_LABEL)(value)


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
