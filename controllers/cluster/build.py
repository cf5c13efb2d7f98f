"""Pure pieces of the Cluster's status: PD URL, components, version and conditions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apis import PDGroup, TiKVGroup
from apis import conditions as cond
from apis.cluster import ComponentStatus
from apis.common import GroupStatus
from apis.names import pd_client_url
from controllers.cluster import reasons
from controllers.cluster.pdinfo import PDInfo
from controllers.common.conditions import Status, is_true


@dataclass(frozen=True)
class Verdict:
    """One condition's status, reason and message."""

    status: Status
    reason: str
    message: str


def pd_url(namespace: str, pd_groups: Sequence[PDGroup], tls: bool) -> str | None:
    """The PD client Service URL of the cluster's PD group (the first by name, if several);
    https in a TLS cluster."""
    if not pd_groups:
        return None
    group = min(str(g.metadata.name) for g in pd_groups)
    return pd_client_url(namespace, group, tls)


def components(
    pd_groups: Sequence[PDGroup], tikv_groups: Sequence[TiKVGroup]
) -> list[ComponentStatus]:
    out = []
    for kind, groups in (("PD", pd_groups), ("TiKV", tikv_groups)):
        statuses = [g.status for g in groups]
        if statuses:
            out.append(
                ComponentStatus(
                    kind=kind,
                    replicas=sum(s.replicas for s in statuses),
                    ready_replicas=sum(s.ready_replicas for s in statuses),
                )
            )
    return out


def version(pd_groups: Sequence[PDGroup], tikv_groups: Sequence[TiKVGroup]) -> str | None:
    """The version every group reports, when they all agree. A group reports a version once
    its rollout to it is done, so there is none while an upgrade has finished in some groups
    and not in others."""
    groups: list[PDGroup | TiKVGroup] = [*pd_groups, *tikv_groups]
    versions = {g.status.version for g in groups}
    if len(versions) == 1 and None not in versions:
        return versions.pop()
    return None


def available(
    pd: PDInfo | None,
    pd_error: str | None,
    has_pd_group: bool,
    no_leader: bool = False,
    client_secret_problem: str | None = None,
) -> Verdict:
    """PD has a leader and enough stores are Up that every region keeps a majority."""
    if client_secret_problem is not None:
        return Verdict(
            "False",
            reasons.TLS_CLIENT_SECRET_INVALID,
            f"PD is not asked without a usable client certificate: {client_secret_problem}",
        )
    if not has_pd_group:
        return Verdict("False", reasons.NO_PD_GROUP, "the Cluster has no PDGroup yet")
    if pd is None and no_leader:
        return Verdict("False", reasons.PD_NO_LEADER, f"PD answers without a leader ({pd_error})")
    if pd is None:
        return Verdict(
            "False",
            reasons.PD_UNREACHABLE,
            f"PD cannot be asked ({pd_error}); retrying with backoff",
        )
    if pd.leader is None:
        return Verdict("False", reasons.PD_NO_LEADER, "PD has no leader (election in progress?)")
    needed = pd.max_replicas // 2 + 1
    if pd.up_stores < needed:
        return Verdict(
            "False",
            reasons.NOT_ENOUGH_STORES_UP,
            f"{pd.up_stores} stores are Up; a majority of max-replicas={pd.max_replicas} "
            f"({needed}) is needed to serve",
        )
    return Verdict(
        "True",
        reasons.PD_LEADER_AND_STORES_UP,
        f"PD leader {pd.leader}; {pd.up_stores} stores Up (max-replicas {pd.max_replicas})",
    )


def _names(groups: Sequence[PDGroup | TiKVGroup]) -> str:
    return ", ".join(f"{g.KIND} {g.metadata.name}" for g in groups)


def _group_synced(group: PDGroup | TiKVGroup) -> bool:
    status: GroupStatus = group.status
    return status.observed_generation == group.metadata.generation and is_true(
        status.conditions, cond.SYNCED
    )


def ready(
    pd_groups: Sequence[PDGroup], tikv_groups: Sequence[TiKVGroup], is_available: bool
) -> Verdict:
    groups: list[PDGroup | TiKVGroup] = [*pd_groups, *tikv_groups]
    if not pd_groups or not tikv_groups:
        return Verdict(
            "False", reasons.GROUPS_NOT_READY, "the Cluster needs a PDGroup and a TiKVGroup"
        )
    unready = [g for g in groups if not is_true(g.status.conditions, cond.READY)]
    if unready:
        return Verdict("False", reasons.GROUPS_NOT_READY, f"not Ready: {_names(unready)}")
    if not is_available:
        return Verdict("False", reasons.GROUPS_NOT_READY, "every group is Ready but PD is not")
    return Verdict("True", reasons.ALL_GROUPS_READY, "every group is Ready")


def synced(
    pd_groups: Sequence[PDGroup],
    tikv_groups: Sequence[TiKVGroup],
    invalid: Sequence[str] = (),
    secret_problems: Sequence[str] = (),
) -> Verdict:
    if secret_problems:
        return Verdict(
            "False",
            reasons.TLS_SECRET_INVALID,
            f"Pods cannot start without their TLS Secret: {'; '.join(secret_problems)}",
        )
    if invalid:
        return Verdict(
            "False",
            reasons.INVALID_SPEC,
            f"the operator cannot honour the spec of {', '.join(invalid)}; their Blocked "
            "condition says why, and nothing of them changes until it is fixed",
        )
    groups: list[PDGroup | TiKVGroup] = [*pd_groups, *tikv_groups]
    behind = [g for g in groups if not _group_synced(g)]
    if behind:
        return Verdict("False", reasons.GROUPS_NOT_SYNCED, f"not Synced: {_names(behind)}")
    return Verdict("True", reasons.ALL_GROUPS_SYNCED, "every group matches its spec")


def progressing(
    pd_groups: Sequence[PDGroup], tikv_groups: Sequence[TiKVGroup], paused: bool
) -> Verdict:
    if paused:
        return Verdict(
            "False", reasons.PAUSED, "spec.paused is set: nothing changes until it is cleared"
        )
    groups: list[PDGroup | TiKVGroup] = [*pd_groups, *tikv_groups]
    moving = [
        g
        for g in groups
        if not _group_synced(g)
        or g.status.replicas != g.spec.replicas
        or g.status.ready_replicas != g.status.replicas
    ]
    if moving:
        return Verdict("True", reasons.CHANGES_IN_PROGRESS, f"changing: {_names(moving)}")
    return Verdict("False", reasons.STABLE, "no change in progress")


def suspended(suspend_compute: bool, pods_left: int) -> Verdict:
    if not suspend_compute:
        return Verdict("False", reasons.NOT_SUSPENDED, "compute is not suspended")
    if pods_left:
        return Verdict(
            "False",
            reasons.SUSPENDING,
            f"suspendCompute is set; {pods_left} Pods are still to be deleted (PVCs are kept)",
        )
    return Verdict(
        "True",
        reasons.COMPUTE_SUSPENDED,
        "every Pod is deleted and every PVC kept; clear suspendCompute to resume",
    )


def consistent(differences: Sequence[str] | None, tombstones: Sequence[int]) -> Verdict:
    if differences is None:
        return Verdict("Unknown", reasons.CONSISTENCY_UNKNOWN, "PD could not be asked")
    if differences:
        return Verdict("False", reasons.INCONSISTENT, "; ".join(differences))
    note = f"; {len(tombstones)} Tombstone store records remain in PD" if tombstones else ""
    return Verdict("True", reasons.CONSISTENT, f"PD members and stores match the instances{note}")
