"""Recording events about the objects a controller acts on, with one calling convention."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.objects import Object


def record(
    deps: Deps, regarding: Object, warning: bool, reason: str, action: str, note: str
) -> None:
    """Queue an event (never blocks or fails the reconcile). `reason` is a named constant;
    `note` says what is happening and what would unblock it."""
    deps.events.record(regarding, "Warning" if warning else "Normal", reason, action, note)
