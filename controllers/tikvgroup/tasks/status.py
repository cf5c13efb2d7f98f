"""The group's status: counts, revisions, selector, version and conditions."""

from __future__ import annotations

from typing import Any

from apis import conditions as cond
from controllers.common.group import selector
from controllers.common.history import current_revision, read_carried_status, reported_version
from controllers.common.runner import TaskResult
from controllers.tikvgroup import reasons
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.tasks.scale import desired_replicas


async def write_status(ctx: Context) -> TaskResult:
    await read_carried_status(ctx)
    group = ctx.group
    facts = ctx.facts()
    ctx.requeue_for_min_ready()
    active = [i for i in facts if i.active]
    replicas = desired_replicas(ctx)
    current = current_revision(active, ctx.revision, group.status.current_revision)
    ready = sum(i.ready for i in facts)
    updated = [i for i in active if i.revision == ctx.revision]
    all_synced = len(updated) == len(active) and all(i.synced for i in active)
    update: dict[str, Any] = {
        "observed_generation": group.metadata.generation,
        "replicas": len(facts),
        "ready_replicas": ready,
        "updated_replicas": len(updated),
        "current_replicas": sum(i.revision == current for i in facts),
        "current_revision": current,
        "update_revision": ctx.revision,
        "collision_count": ctx.collision_count,
        "selector": selector(group),
        "version": reported_version(
            active, ctx.revision, group.spec.template.spec.version, group.status.version
        ),
    }
    all_ready = ready == len(facts) == replicas
    if all_ready:
        ctx.condition(cond.READY, "True", reasons.READY, f"all {replicas} stores are Ready")
    else:
        ctx.condition(
            cond.READY,
            "False",
            reasons.NOT_READY,
            f"{ready} of {len(facts)} instances are Ready; {replicas} are wanted",
        )
    if len(active) != replicas or len(facts) != len(active):
        ctx.condition(
            cond.SYNCED,
            "False",
            reasons.SCALING,
            f"{len(active)} instances in service, {replicas} wanted",
        )
    elif not all_synced:
        ctx.condition(
            cond.SYNCED,
            "False",
            reasons.UPDATING,
            f"{len(updated)} of {len(active)} instances are at revision {ctx.revision}",
        )
    else:
        ctx.condition(cond.SYNCED, "True", reasons.SYNCED, "every instance matches the template")
    if ctx.blocked is not None:
        ctx.condition(cond.BLOCKED, "True", ctx.blocked.reason, ctx.blocked.message)
    else:
        ctx.condition(cond.BLOCKED, "False", reasons.NOT_BLOCKED, "no change is blocked")
    update["conditions"] = ctx.conditions
    # The failover task writes its records itself, guarded by resourceVersion; the copy read
    # at the start of this reconcile may predate the last of them.
    new = group.status.model_copy(update=update)
    return await ctx.write_status(group.status, new, untouched=("failover",))
