"""Guards in front of every destructive step (DESIGN §5 rules 10 to 12).

- Fresh read: the objects a destructive decision rests on are re-read from the API server
  (not the cache) and must still be the ones the decision was made about.
- Identity fencing: PD must still answer with the cluster id recorded in Cluster status.
- Safety brake: while the Cluster carries Blocked=True with a brake reason, nothing
  destructive happens unless a user set the override annotation.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from apis import Cluster, labels
from apis import conditions as cond
from apis.meta import Resource
from controllers.common.conditions import find
from controllers.common.pdview import PDReader
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import ResourceKind
from tikv_operator.pdapi.poller import Poller, Snapshot

R = TypeVar("R", bound=Resource)

BRAKE_REASON_PREFIX = "SafetyBrake"
"""Every Blocked reason the brake sets starts with this, e.g. SafetyBrakeClusterIDMismatch."""


class UnsafeToProceed(Exception):
    """A destructive step was refused; the message says why and what would unblock it."""


class StaleDecision(UnsafeToProceed):
    """The object changed (or went away) since the decision was made."""


async def fresh_read(client: Client, kind: ResourceKind, model: type[R], seen: R) -> R:
    """Re-read `seen` from the API server; refuse if its uid or generation moved on."""
    meta = seen.metadata
    current = await client.get_or_none(kind, str(meta.name), meta.namespace)
    if current is None:
        raise StaleDecision(f"{kind.kind} {meta.namespace}/{meta.name} is gone")
    fresh = model.model_validate(current)
    if fresh.metadata.uid != meta.uid:
        raise StaleDecision(f"{kind.kind} {meta.namespace}/{meta.name} was recreated")
    if fresh.metadata.generation != meta.generation:
        raise StaleDecision(f"{kind.kind} {meta.namespace}/{meta.name} changed since the decision")
    return fresh


def engaged_brake(cluster: Cluster) -> tuple[str, str] | None:
    """(reason, message) of the safety brake on this cluster, overridden or not."""
    blocked = find(cluster.status.conditions, cond.BLOCKED)
    if blocked is None or blocked.status != "True":
        return None
    if not blocked.reason.startswith(BRAKE_REASON_PREFIX):
        return None
    return blocked.reason, blocked.message


def is_overridden(cluster: Cluster, reason: str) -> bool:
    """Whether a user set the override annotation for this brake reason.

    The annotation names the reason it overrides (`SafetyBrakeClusterIDMismatch`, or just
    `ClusterIDMismatch`; `*` overrides any), so an override set for one problem does not
    silently let the operator past a different one found later.
    """
    value = cluster.metadata.annotations.get(labels.OVERRIDE_SAFETY_BRAKE, "").strip()
    if not value:
        return False
    short = reason.removeprefix(BRAKE_REASON_PREFIX)
    return value in ("*", reason, short)


def brake_reason(cluster: Cluster) -> str | None:
    """Why destructive steps are stopped for this cluster, or None when they may go ahead."""
    brake = engaged_brake(cluster)
    if brake is None or is_overridden(cluster, brake[0]):
        return None
    return f"{brake[0]}: {brake[1]}"


IDENTITY_BRAKE_REASON = f"{BRAKE_REASON_PREFIX}ClusterIDMismatch"
"""The brake reason of an identity mismatch; its override also lets the fencing check pass."""


def check_cluster_identity(cluster: Cluster, pd_cluster_id: int | str) -> None:
    """Refuse when PD answers for another cluster than the one recorded at first contact."""
    recorded = cluster.status.id
    if recorded is None or recorded == str(pd_cluster_id):
        return
    if is_overridden(cluster, IDENTITY_BRAKE_REASON):
        return
    raise UnsafeToProceed(
        f"PD reports cluster id {pd_cluster_id} but this Cluster recorded {recorded}; "
        "refusing destructive actions until the PD URL points at the right cluster "
        f"(or the annotation {labels.OVERRIDE_SAFETY_BRAKE}={IDENTITY_BRAKE_REASON} is set)"
    )


async def fresh_snapshot(poller: Poller | None) -> Snapshot:
    """PD's view taken now, for a destructive decision (rules 7, 8): raises UnsafeToProceed
    when PD cannot answer."""
    if poller is None:
        raise UnsafeToProceed("PD is not watched yet: the Cluster has no PD URL")
    snapshot = await poller.fresh()
    if snapshot.error is not None:
        raise UnsafeToProceed(f"cannot confirm PD's state: {snapshot.error}")
    return snapshot


async def guard_destructive(client: Client, cluster: Cluster, poller: Poller | None) -> Snapshot:
    """Everything rules 8 and 10 to 12 demand before a destructive PD call or deletion: a
    fresh PD snapshot, a freshly read Cluster without an engaged brake, and PD answering with
    the recorded cluster id. Returns the fresh snapshot, on which the caller re-checks its
    decision; raises UnsafeToProceed."""
    snapshot = await fresh_snapshot(poller)
    fresh = await check_brake(client, cluster)
    check_cluster_identity(fresh, snapshot.cluster_id)
    return snapshot


async def check_brake(client: Client, cluster: Cluster) -> Cluster:
    """The Cluster read fresh, refusing while its safety brake is engaged (rule 12)."""
    fresh = await fresh_read(client, resources.CLUSTER, Cluster, cluster)
    reason = brake_reason(fresh)
    if reason is not None:
        raise UnsafeToProceed(
            f"safety brake engaged ({reason}); it lifts when the state resolves or when "
            f"the annotation {labels.OVERRIDE_SAFETY_BRAKE}=<reason> is set on the Cluster"
        )
    return fresh


async def guard_instance(ctx: PDReader, kind: ResourceKind, model: type[R], instance: R) -> R:
    """`guard_destructive` for a step on one instance: also re-reads the instance, and puts
    the fresh PD view into the context, on which the caller checks its decision again.
    Returns the fresh instance; raises UnsafeToProceed."""
    if ctx.loaded_cluster is None:
        raise StaleDecision("the Cluster is gone")
    snapshot = await guard_destructive(ctx.deps.client, ctx.loaded_cluster, ctx.pd_state.poller)
    ctx.pd_state = dataclasses.replace(ctx.pd_state, snapshot=snapshot, unavailable=None)
    return await fresh_read(ctx.deps.client, kind, model, instance)
