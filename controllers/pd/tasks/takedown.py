"""May this PD member go down now (removed from PD, or its Pod restarted)? Rules 3 and 4:
leadership is handed over first, the other members must keep a healthy quorum, and the
guards of rules 8 and 10 to 12 must pass on a fresh view."""

from __future__ import annotations

from controllers.common.runner import Retry, TaskResult
from controllers.common.safety import UnsafeToProceed
from controllers.common.updater import keeps_quorum_without, member_states
from controllers.pd import reasons
from controllers.pd.context import PDContext
from controllers.pd.tasks.guard import guard
from controllers.pd.tasks.leadership import transfer_leadership

BLOCKED_RETRY = 15.0
UNSAFE_RETRY = 30.0


async def hold_before_taking_down(
    ctx: PDContext, why: str, action: str, blocked_reason: str
) -> TaskResult | None:
    """What to do instead of taking the member down now (`why`: "removed", "restarted"), or
    None when it may go: every check passed on PD's fresh view."""
    assert ctx.view is not None, "the caller waits while PD cannot be asked"
    if ctx.is_leader:
        return await transfer_leadership(ctx, why)
    if ctx.is_member and not keeps_quorum_without(member_states(ctx.view), ctx.name):
        note = (
            f"{ctx.name} is to be {why}, but the other members would not keep a healthy "
            "quorum meanwhile; waiting until enough of them are healthy"
        )
        ctx.event("Warning", blocked_reason, action, note)
        return Retry(BLOCKED_RETRY, note)
    try:
        await guard(ctx)
    except UnsafeToProceed as error:
        return refused(ctx, action, error)
    return None


def refused(ctx: PDContext, action: str, error: UnsafeToProceed) -> Retry:
    """A guard said no: say so in an event and come back later."""
    ctx.event("Warning", reasons.UNSAFE, action, str(error))
    return Retry(UNSAFE_RETRY, str(error))
