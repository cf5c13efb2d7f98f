"""Events about a PD instance."""

from __future__ import annotations

from typing import Literal

from controllers.pd.context import PDContext


def record(
    ctx: PDContext, kind: Literal["Normal", "Warning"], reason: str, action: str, note: str
) -> None:
    ctx.deps.events.record(ctx.pd.to_dict(), kind, reason, action, note)
