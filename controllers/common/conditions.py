"""Conditions in the metav1.Condition shape: set one without disturbing the others."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from apis.meta import Condition

Status = Literal["True", "False", "Unknown"]


def find(conditions: list[Condition], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def is_true(conditions: list[Condition], type_: str) -> bool:
    c = find(conditions, type_)
    return c is not None and c.status == "True"


def set_condition(
    conditions: list[Condition],
    type_: str,
    status: Status,
    reason: str,
    message: str,
    *,
    generation: int | None,
    now: datetime,
) -> list[Condition]:
    """The conditions with `type_` set; lastTransitionTime moves only when status changes."""
    old = find(conditions, type_)
    since = old.last_transition_time if old is not None and old.status == status else now
    new = Condition(
        type=type_,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        last_transition_time=since,
    )
    return [new if c.type == type_ else c for c in conditions] if old else [*conditions, new]
