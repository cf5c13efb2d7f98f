"""The Pod of a PD instance: create it, and recreate it when what it was built from changed
(after handing leadership away, and only if the other members keep a quorum)."""

from __future__ import annotations

from controllers.common.objects import Object
from controllers.common.pods import create_pod, delete_pod, patch_pod_metadata
from controllers.common.restart import needs_recreate
from controllers.common.runner import Complete, Retry, TaskResult, Wait
from controllers.common.updater import member_states
from controllers.pd import reasons
from controllers.pd.build import build_pod
from controllers.pd.context import PDContext
from controllers.pd.tasks.takedown import hold_before_taking_down
from tikv_operator.kube import resources
from tikv_operator.pdapi.poller import Snapshot

PD_RETRY = 5.0


async def apply_pod(ctx: PDContext) -> TaskResult:
    desired = build_pod(ctx.pd, ctx.config, ctx.tls)
    ctx.desired_pod = desired
    pod = ctx.deps.cache(resources.POD).get(ctx.key)
    ctx.pod = pod
    if pod is None:
        return await _create(ctx, desired)
    if pod["metadata"].get("deletionTimestamp"):
        return Wait("the Pod is terminating; it is created again once it is gone")
    if needs_recreate(pod, desired, ctx.pd.spec.update_strategy.config):
        return await _restart(ctx, pod)
    # Labels and annotations change in place (the template's, the revision label after an
    # update that restarts nothing).
    patched = await patch_pod_metadata(ctx, pod, desired)
    if patched is None:
        return Complete()
    ctx.pod = patched
    return Complete("Pod labels and annotations patched in place")


async def _create(ctx: PDContext, desired: Object) -> TaskResult:
    refused = await create_pod(ctx, desired)
    if refused is not None:
        return refused
    ctx.event("Normal", reasons.POD_CREATED, "CreatePod", f"Pod {ctx.name} created")
    return Complete("Pod created")


async def _restart(ctx: PDContext, pod: Object) -> TaskResult:
    if ctx.view is None:
        return Retry(
            PD_RETRY,
            f"the Pod needs a restart but PD cannot be asked ({ctx.pd_error}); a member is "
            "restarted only once PD confirms it does not lead and the rest keep a quorum",
        )
    hold = await hold_before_taking_down(ctx, "restarted", "RestartPod", reasons.RESTART_BLOCKED)
    if hold is not None:
        return hold
    assert ctx.view is not None  # the hold's guard read PD afresh
    down = unhealthy_peers(ctx.view, ctx.name)
    if down:
        # Rule 6: one member down because of the operator at a time. The group saw the
        # last restarted member Ready (its Pod), PD's fresh view may not have it back yet.
        return Retry(
            PD_RETRY,
            f"{', '.join(down)} not healthy in PD yet; {ctx.name} restarts once every other "
            "member is",
        )
    await delete_pod(ctx.deps.client, pod)
    ctx.event(
        "Normal",
        reasons.POD_RESTARTED,
        "RestartPod",
        f"Pod {ctx.name} deleted to apply a changed spec; it is created again once gone",
    )
    return Wait("Pod deleted for a restart; it is created again once it is gone")


def unhealthy_peers(view: Snapshot, name: str) -> list[str]:
    """The members other than `name` that PD does not call healthy (an unstarted one, with
    no name yet, as `(joining)`)."""
    return sorted(
        m.name or "(joining)" for m in member_states(view) if m.name != name and not m.healthy
    )
