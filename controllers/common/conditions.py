"""Conditions in the metav1.Condition shape: set one without disturbing the others."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from apis.meta import Condition
from tikv_operator.kube.resources import Object

Status = Literal["True", "False", "Unknown"]


def find(conditions: list[Condition], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def condition_of(obj: Object | None, type_: str) -> Object | None:
    """The condition of `type_` in an object's status as the API server sent it (a cached
    object, a Node, one read before this reconcile)."""
    for c in ((obj or {}).get("status") or {}).get("conditions") or ():
        if c.get("type") == type_:
            return dict(c)
    return None


def is_true(conditions: list[Condition], type_: str) -> bool:
    c = find(conditions, type_)
    return c is not None and c.status == "True"


def available_in(
    conditions: list[Condition], min_ready_seconds: float, now: datetime
) -> float | None:
    """Seconds until an instance counts as available: Ready for `min_ready_seconds` without
    a break (0 once it is); None while it is not Ready."""
    ready = find(conditions, "Ready")
    if ready is None or ready.status != "True":
        return None
    elapsed = (now - ready.last_transition_time).total_seconds()
    return max(0.0, min_ready_seconds - elapsed)


def set_condition(
    conditions: list[Condition],
    type_: str,
    status: Status,
    reason: str,
    message: str,
    *,
    generation: int | None,
    now: datetime,
    began: datetime | None = None,
) -> list[Condition]:
    """The conditions with `type_` set; lastTransitionTime moves only when status changes,
    or when what it reports `began` later than the recorded transition (a Pod that became
    Ready again between two looks, which a reconcile reading a stale cache can miss)."""
    old = find(conditions, type_)
    since = old.last_transition_time if old is not None and old.status == status else now
    if began is not None and began > since:
        since = min(began, now)
    new = Condition(
        type=type_,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        last_transition_time=since,
    )
    return [new if c.type == type_ else c for c in conditions] if old else [*conditions, new]
