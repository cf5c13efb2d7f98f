"""Rolling update: move one instance at a time to the group's template (rules 4 and 6)."""

from __future__ import annotations

from controllers.common.runner import Complete, Retry, TaskResult, Wait
from controllers.common.updater import Hold, Settled, Update
from controllers.pdgroup import reasons
from controllers.pdgroup.build import updated_instance
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.decisions import update_step
from controllers.pdgroup.tasks.members import instance_view
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError

HOLD_RETRY = 5.0


async def rolling_update(ctx: GroupContext) -> TaskResult:
    infos = [instance_view(ctx, p) for p in ctx.instances]
    step = update_step(infos, ctx.revision)
    match step:
        case Settled():
            return Complete()
        case Hold(message=message):
            return Retry(HOLD_RETRY, message)
        case Update(name=name):
            current = ctx.deps.cache(resources.PD).get(f"{ctx.namespace}/{name}")
            if current is None:
                return Retry(HOLD_RETRY, f"{name} is not in the cache")
            try:
                # A replace carries the resourceVersion we decided on: if the instance changed
                # meanwhile the write is refused and we decide again.
                await ctx.deps.client.replace(
                    resources.PD, updated_instance(ctx.group, current, ctx.revision)
                )
            except ApiError as error:
                if not error.conflict:
                    raise
                return Retry(1.0, f"{name} changed while updating it; deciding again")
            note = f"updating {name} to revision {ctx.revision}"
            ctx.event("Normal", reasons.INSTANCE_UPDATED, "UpdateInstance", note)
            return Wait(f"{note}; waiting for it to be Ready")
    raise AssertionError(f"unknown update step {step!r}")
