"""Hand PD leadership away before this member is removed or restarted (rule 4)."""

from __future__ import annotations

from datetime import datetime

from apis import PD
from apis import conditions as cond
from controllers.common.conditions import find
from controllers.common.invalid import parsed
from controllers.common.runner import Retry, TaskResult
from controllers.pd import reasons
from controllers.pd.context import PDContext
from controllers.pd.decisions import TransferCandidate, leader_transfer_target
from tikv_operator.kube import cache, resources
from tikv_operator.pdapi import PDError

TRANSFER_POLL = 2.0
NO_TARGET_RETRY = 15.0


def ready_since(pd: PD) -> datetime | None:
    ready = find(pd.status.conditions, cond.READY)
    return ready.last_transition_time if ready is not None and ready.status == "True" else None


def candidates(ctx: PDContext) -> list[TransferCandidate]:
    """Every named member; only members that are our instances of this cluster can have a
    ready time, so leadership never goes to a member the operator does not manage."""
    assert ctx.view is not None
    cluster_key = f"{ctx.namespace}/{ctx.pd.spec.cluster.name}"
    instances = {
        str(p.metadata.name): p
        for p in parsed(PD, ctx.deps.cache(resources.PD).by_index(cache.BY_CLUSTER, cluster_key))
        if p.metadata.deletion_timestamp is None
    }
    out = []
    for member in ctx.view.members:
        if not member.name:
            continue
        instance = instances.get(member.name)
        out.append(
            TransferCandidate(
                member.name,
                ctx.view.healthy(member.name),
                ready_since(instance) if instance is not None else None,
            )
        )
    return out


async def transfer_leadership(ctx: PDContext, why: str) -> TaskResult:
    target = leader_transfer_target(candidates(ctx), ctx.name)
    if target is None:
        note = (
            f"{ctx.name} leads PD and must hand over leadership before it is {why}, but no "
            "other member is healthy and Ready; waiting for one to become Ready"
        )
        ctx.event("Warning", reasons.LEADER_TRANSFER_BLOCKED, "TransferLeader", note)
        return Retry(NO_TARGET_RETRY, note)
    try:
        await ctx.pd_writer().transfer_leader(target)
    except PDError as error:
        return Retry(TRANSFER_POLL, f"leader transfer to {target} failed: {error}")
    ctx.event(
        "Normal",
        reasons.LEADER_TRANSFERRED,
        "TransferLeader",
        f"PD leadership handed from {ctx.name} to {target} before {ctx.name} is {why}",
    )
    return Retry(TRANSFER_POLL, f"leadership handed to {target}; waiting until it has moved")
