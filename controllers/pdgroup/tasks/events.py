"""Events about a PDGroup."""

from __future__ import annotations

from typing import Literal

from controllers.pdgroup.context import GroupContext


def record(
    ctx: GroupContext, kind: Literal["Normal", "Warning"], reason: str, action: str, note: str
) -> None:
    ctx.deps.events.record(ctx.group.to_dict(), kind, reason, action, note)
