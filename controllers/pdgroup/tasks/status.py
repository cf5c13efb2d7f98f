"""Status of the group: replica counts, revisions, version, selector and conditions."""

from __future__ import annotations

from apis import conditions as cond
from apis.common import GroupStatus
from apis.meta import Condition
from controllers.common.clusterstate import is_compute_suspended
from controllers.common.conditions import Status, is_true, set_condition
from controllers.common.group import selector
from controllers.common.history import current_revision, read_carried_status, reported_version
from controllers.common.runner import TaskResult
from controllers.pdgroup import reasons
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.decisions import Instance
from controllers.pdgroup.tasks.members import instance_view


def suspended_condition(ctx: GroupContext) -> tuple[Status, str, str]:
    """True once every member's Pod is gone for suspendCompute (each instance says so in
    its own Suspended condition)."""
    if not is_compute_suspended(ctx.cluster):
        return "False", reasons.NOT_SUSPENDED, "compute is not suspended"
    total = len(ctx.instances)
    done = sum(is_true(p.status.conditions, cond.SUSPENDED) for p in ctx.instances)
    if done == total:
        return (
            "True",
            reasons.SUSPENDED,
            f"compute is suspended: the Pods of all {total} members are deleted, their PVCs "
            "and PD membership kept; clear suspendCompute on the Cluster to resume",
        )
    return (
        "False",
        reasons.SUSPENDING,
        f"compute is suspended; {done} of {total} members' Pods are deleted (TiKV Pods go "
        "first, the PD leader last)",
    )


def conditions(ctx: GroupContext, infos: list[Instance]) -> list[Condition]:
    group = ctx.group
    now, gen = ctx.deps.now(), group.metadata.generation
    want = group.spec.replicas
    out = list(group.status.conditions)
    ready = sum(i.ready for i in infos)
    if ready == want == len(infos):
        out = set_condition(
            out,
            cond.READY,
            "True",
            reasons.ALL_READY,
            f"{ready} of {want} members Ready",
            generation=gen,
            now=now,
        )
    else:
        note = f"; {ctx.failover_note}" if ctx.failover_note else ""
        out = set_condition(
            out,
            cond.READY,
            "False",
            reasons.NOT_ALL_READY,
            f"{ready} of {want} members Ready ({len(infos)} exist){note}",
            generation=gen,
            now=now,
        )
    updated = [i for i in infos if i.revision == ctx.revision and i.synced]
    if len(updated) == want == len(infos):
        out = set_condition(
            out,
            cond.SYNCED,
            "True",
            reasons.UP_TO_DATE,
            "every member runs the template",
            generation=gen,
            now=now,
        )
    else:
        reason = reasons.SCALING if len(infos) != want else reasons.UPDATING
        out = set_condition(
            out,
            cond.SYNCED,
            "False",
            reason,
            f"{len(updated)} of {want} members run the template ({len(infos)} exist)",
            generation=gen,
            now=now,
        )
    suspended = suspended_condition(ctx)
    out = set_condition(out, cond.SUSPENDED, *suspended, generation=gen, now=now)
    blocked = ctx.blocked
    if blocked is not None:
        out = set_condition(
            out,
            cond.BLOCKED,
            "True",
            blocked.reason or reasons.UNSAFE,
            blocked.message,
            generation=gen,
            now=now,
        )
    else:
        out = set_condition(
            out,
            cond.BLOCKED,
            "False",
            reasons.NOT_BLOCKED,
            "no requested change is blocked",
            generation=gen,
            now=now,
        )
    return out


def desired_status(ctx: GroupContext) -> GroupStatus:
    group = ctx.group
    infos = [instance_view(ctx, p) for p in ctx.instances]
    ctx.requeue_until_available(
        [p.status.conditions for p in ctx.instances], group.spec.min_ready_seconds
    )
    status = group.status.model_copy(deep=True)
    status.observed_generation = group.metadata.generation
    status.conditions = ctx.conditions = conditions(ctx, infos)
    status.replicas = len(infos)
    status.ready_replicas = sum(i.ready for i in infos)
    status.update_revision = ctx.revision
    status.collision_count = ctx.collision_count
    rolling = [i for i in infos if not i.deleting]
    status.current_revision = current_revision(rolling, ctx.revision, group.status.current_revision)
    status.updated_replicas = sum(i.revision == ctx.revision for i in infos)
    status.current_replicas = sum(i.revision == status.current_revision for i in infos)
    status.selector = selector(group)
    status.version = reported_version(
        rolling, ctx.revision, group.spec.template.spec.version, group.status.version
    )
    return status


async def write_status(ctx: GroupContext) -> TaskResult:
    await read_carried_status(ctx)
    # status.failover is the failover task's, written with the group's resourceVersion.
    return await ctx.write_status(ctx.group.status, desired_status(ctx), untouched=("failover",))
