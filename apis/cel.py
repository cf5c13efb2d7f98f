"""Building blocks of the CEL rules (`x-kubernetes-validations`) in the generated CRDs.

The API server evaluates these rules; each has a Python twin beside the model it guards, so
the operator refuses what the API server refuses, with the same message.
"""

from __future__ import annotations

from typing import Any


def rule(
    expression: str,
    message: str | None = None,
    *,
    message_expression: str | None = None,
    field_path: str | None = None,
) -> dict[str, Any]:
    """One validation rule. `field_path` (such as `.metadata.name`) names the field the error
    is reported on, for a rule written at a higher level than the field it is about."""
    validation: dict[str, Any] = {"rule": expression}
    if message is not None:
        validation["message"] = message
    if message_expression is not None:
        validation["messageExpression"] = message_expression
    if field_path is not None:
        validation["fieldPath"] = field_path
        validation["reason"] = "FieldValueInvalid"
    return validation


def validations(*rules: dict[str, Any]) -> dict[str, Any]:
    """Schema keywords carrying the rules."""
    return {"x-kubernetes-validations": list(rules)}


def regex(pattern: str) -> str:
    """A Python regular expression as a CEL raw string literal (RE2 reads the same syntax
    for everything the patterns here use)."""
    if "'" in pattern:
        raise ValueError(f"pattern {pattern!r} cannot be a CEL raw string")
    return f"r'{pattern}'"


def string(value: str) -> str:
    """A Python string as a CEL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def collides(a: str, b: str) -> str:
    """CEL: the paths `a` and `b` are the same, or one lies inside the other."""
    return f"({a} == {b} || {a}.startsWith({b} + '/') || {b}.startsWith({a} + '/'))"


def path_collides(a: str, b: str) -> bool:
    """The Python twin of `collides`."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")
