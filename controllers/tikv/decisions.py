"""Decisions of the TiKV instance controller, as plain functions over data.

Tasks gather the facts (from the caches and PD) and do the I/O; these functions only say
what the next safe step is, so each rule is tested by a table.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tikv_operator.pdapi.models import NodeState, StoreInfo, StoreState


def is_tombstone(store: StoreInfo | None) -> bool:
    return store is not None and store.store.state == StoreState.TOMBSTONE


NODE_STATE_NAMES = {
    NodeState.PREPARING: "Preparing",
    NodeState.SERVING: "Serving",
    NodeState.REMOVING: "Removing",
    NodeState.REMOVED: "Removed",
}


class OfflineStep(enum.Enum):
    NONE = "none"
    """Nothing to do: the store stays."""
    NO_STORE = "no-store"
    """Offline asked for, and PD has no store at this address: nothing to remove."""
    BEGIN_EVICT = "begin-evict"
    """Move the leaders away before asking PD to remove the store."""
    WAIT_EVICT = "wait-evict"
    DELETE_STORE = "delete-store"
    """DELETE /store/{id}: PD starts moving the regions away."""
    WAIT_TOMBSTONE = "wait-tombstone"
    TOMBSTONE = "tombstone"
    """The store is gone for good; the instance may be removed."""
    CANCEL = "cancel"
    """Offline withdrawn while PD is still removing the store: set it Up again."""


def eviction_over(
    store: StoreInfo, started: datetime | None, now: datetime, timeout: timedelta
) -> bool:
    """Leaders are gone, or we waited as long as the user allows."""
    if store.status.leader_count == 0:
        return True
    return started is not None and now - started >= timeout


def offline_step(
    *,
    offline: bool,
    store: StoreInfo | None,
    evicting: bool,
    eviction_started: datetime | None,
    now: datetime,
    timeout: timedelta,
) -> OfflineStep:
    """The next step of the two-step store removal. `store` must come from an answer of
    PD (None meaning PD confirmed no store has the instance's address)."""
    if store is None:
        return OfflineStep.NO_STORE if offline else OfflineStep.NONE
    state = store.store.state
    if state == StoreState.TOMBSTONE:
        return OfflineStep.TOMBSTONE
    if state == StoreState.OFFLINE:
        return OfflineStep.WAIT_TOMBSTONE if offline else OfflineStep.CANCEL
    if not offline:
        return OfflineStep.NONE
    if eviction_over(store, eviction_started if evicting else None, now, timeout):
        return OfflineStep.DELETE_STORE
    return OfflineStep.WAIT_EVICT if evicting else OfflineStep.BEGIN_EVICT


class RestartStep(enum.Enum):
    GO = "go"
    WAIT_SIBLINGS = "wait-siblings"
    WAIT_DOWN_PEERS = "wait-down-peers"
    BEGIN_EVICT = "begin-evict"
    WAIT_EVICT = "wait-evict"


@dataclass(frozen=True)
class RestartDecision:
    step: RestartStep
    message: str


def restart_decision(
    *,
    store: StoreInfo | None,
    evicting: bool,
    eviction_started: datetime | None,
    now: datetime,
    timeout: timedelta,
    unready_siblings: Sequence[str],
    down_peer_stores: Iterable[int],
    other_up_stores: int,
) -> RestartDecision:
    """May the Pod be deleted to be recreated (rule 5)?

    Never while another instance of the group is unready or another store has down peers
    (restarting would then take a second replica of some regions away); and only after
    leader eviction finished or timed out. With no other Up store there is nowhere for
    leaders to go: waiting for an eviction that cannot complete would only delay the
    restart by the timeout.
    """
    if unready_siblings:
        names = ", ".join(sorted(unready_siblings))
        return RestartDecision(
            RestartStep.WAIT_SIBLINGS,
            f"waiting for {names} to be Ready, with its leaders, before restarting this store",
        )
    own = store.store.id if store is not None else None
    others = sorted({s for s in down_peer_stores if s != own})
    if others:
        ids = ", ".join(str(s) for s in others)
        return RestartDecision(
            RestartStep.WAIT_DOWN_PEERS,
            f"stores {ids} have down peers; restarting now could lose a region's quorum",
        )
    if store is None or store.store.state != StoreState.UP:
        return RestartDecision(RestartStep.GO, "no leaders to move: the store is not Up")
    if other_up_stores == 0:
        return RestartDecision(RestartStep.GO, "no other store is Up to take its leaders")
    if eviction_over(store, eviction_started if evicting else None, now, timeout):
        return RestartDecision(RestartStep.GO, "leaders evicted or eviction timed out")
    if not evicting:
        return RestartDecision(RestartStep.BEGIN_EVICT, "evicting leaders before the restart")
    return RestartDecision(
        RestartStep.WAIT_EVICT,
        f"waiting for {store.status.leader_count} leaders to leave the store (at most {timeout})",
    )


@dataclass(frozen=True)
class Removal:
    allowed: bool
    message: str


def removal_decision(store: StoreInfo | None, *, pd_answered: bool) -> Removal:
    """May the instance's Pod and PVCs go for good (rule 1)? Only when its store is
    Tombstone, or PD answered and no store has its address."""
    if not pd_answered:
        return Removal(False, "PD cannot be reached; the store may still hold data")
    if store is None:
        return Removal(True, "the instance never registered a store in PD")
    if store.store.state == StoreState.TOMBSTONE:
        return Removal(True, f"store {store.store.id} is Tombstone")
    return Removal(
        False,
        f"store {store.store.id} is {store.store.state_name.value}; it must become Tombstone "
        "before the instance's Pod and volumes are removed",
    )


# PD location labels that are conventionally taken from well-known node labels.
WELL_KNOWN_NODE_LABELS = {
    "zone": "topology.kubernetes.io/zone",
    "region": "topology.kubernetes.io/region",
    "host": "kubernetes.io/hostname",
}


def wanted_store_labels(
    location_labels: Sequence[str],
    node_labels: Mapping[str, str],
    server_labels: Mapping[str, str],
) -> dict[str, str]:
    """Store labels for PD's `location-labels` from the node's labels, plus the user's."""
    out: dict[str, str] = {}
    for label in location_labels:
        value = node_labels.get(WELL_KNOWN_NODE_LABELS.get(label, label))
        if value is None:
            value = node_labels.get(label)
        if value is not None:
            out[label] = value
    out.update(server_labels)
    return out


def missing_store_labels(store: StoreInfo, wanted: Mapping[str, str]) -> dict[str, str]:
    have = {label.key: label.value for label in store.store.labels}
    return {k: v for k, v in wanted.items() if have.get(k) != v}


def pod_created(pod: Mapping[str, object] | None) -> datetime | None:
    meta = pod.get("metadata") if pod is not None else None
    stamp = meta.get("creationTimestamp") if isinstance(meta, dict) else None
    return datetime.fromisoformat(stamp) if isinstance(stamp, str) else None


def stale_process(store: StoreInfo, pod: Mapping[str, object] | None) -> str | None:
    """Why the store's Up state may still be the old process's (None: it is this Pod's).

    After a restart PD keeps a store Up on the old tikv-server's heartbeats for a while; only
    a process started after the Pod was created is the new one (start_timestamp is in whole
    seconds, so the comparison is made in whole seconds too).
    """
    created = pod_created(pod)
    started = store.store.start_timestamp
    if created is None or started >= int(created.timestamp()):
        return None
    when = datetime.fromtimestamp(started, tz=created.tzinfo).isoformat()
    return (
        f"store {store.store.id} still reports a tikv-server started at {when}, before its "
        f"Pod was created at {created.isoformat()}; waiting for the new process to heartbeat"
    )
