"""Engage or release the safety brake (DESIGN §5 rule 12) on the Cluster's Blocked
condition, which every controller checks before a destructive step."""

from __future__ import annotations

from apis import conditions as cond
from apis import labels
from controllers.cluster import reasons
from controllers.cluster.brake import detect_brake
from controllers.cluster.build import Verdict
from controllers.cluster.context import ClusterContext
from controllers.common import safety
from controllers.common.conditions import find
from controllers.common.runner import Complete, TaskResult


async def apply_brake(ctx: ClusterContext) -> TaskResult:
    previous = find(ctx.conditions, cond.BLOCKED)
    was_braked = (
        previous is not None
        and previous.status == "True"
        and previous.reason.startswith(safety.BRAKE_REASON_PREFIX)
    )
    if ctx.pd_info is None:
        # Without PD's answer nothing can be confirmed resolved: keep the brake as it is.
        return Complete("PD unreachable; brake unchanged")
    brake = detect_brake(ctx.recorded_id, ctx.pd_info, ctx.instances())
    if brake is None:
        if was_braked:
            ctx.set(
                cond.BLOCKED,
                Verdict("False", reasons.NOT_BLOCKED, "the unsafe state resolved"),
            )
            ctx.event("Normal", reasons.BRAKE_RELEASED, "SafetyBrake", "the unsafe state resolved")
            return Complete("brake released")
        if previous is None:
            ctx.set(cond.BLOCKED, Verdict("False", reasons.NOT_BLOCKED, "nothing is blocked"))
        return Complete()
    message = brake.message
    if safety.is_overridden(ctx.cluster, brake.reason):
        message += " (overridden by the annotation; destructive steps go ahead)"
    else:
        message += (
            f" To let the operator proceed anyway, annotate the Cluster with "
            f"{labels.OVERRIDE_SAFETY_BRAKE}={brake.reason}."
        )
    if previous is None or previous.reason != brake.reason or previous.status != "True":
        ctx.event("Warning", brake.reason, "SafetyBrake", message)
    ctx.set(cond.BLOCKED, Verdict("True", brake.reason, message))
    return Complete(f"brake engaged: {brake.reason}")
