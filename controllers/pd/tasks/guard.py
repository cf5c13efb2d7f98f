"""The checks in front of every destructive step of a PD instance (rules 3, 4, 8, 10 to 12)."""

from __future__ import annotations

from apis import PD
from controllers.common.safety import UnsafeToProceed, check_brake, fresh_read, guard_instance
from controllers.common.updater import keeps_quorum_without, member_states
from controllers.pd.context import PDContext
from tikv_operator.kube import resources


async def guard(ctx: PDContext) -> None:
    """Raise UnsafeToProceed unless a fresh PD view, the Cluster read fresh (no brake, the
    recorded cluster id) and the instance read fresh all still allow taking this member down:
    it does not lead, and the others keep a healthy quorum without it."""
    await guard_instance(ctx, resources.PD, PD, ctx.pd)
    assert ctx.view is not None  # guard_instance put the fresh view in place
    if ctx.is_leader:
        raise UnsafeToProceed(f"{ctx.name} leads PD now; leadership is handed over first")
    if ctx.is_member and not keeps_quorum_without(member_states(ctx.view), ctx.name):
        raise UnsafeToProceed(f"without {ctx.name} the other PD members would lose quorum")


async def guard_leftovers(ctx: PDContext) -> None:
    """Before deleting the Pod or PVCs of a member that already left PD, or of a Cluster that
    is being deleted: the brake (unless the whole Cluster goes) and a fresh instance. PD is
    not asked: the member's departure was decided on PD's view, and with a deleted Cluster
    PD may already be gone."""
    if not ctx.cluster_deleting:
        await check_brake(ctx.deps.client, ctx.cluster)
    await fresh_read(ctx.deps.client, resources.PD, PD, ctx.pd)
