"""What the Cluster's decisions need of PD's view of the cluster as a whole."""

from __future__ import annotations

from dataclasses import dataclass

from tikv_operator.pdapi.models import StoreInfo, StoreState, StoreStateName
from tikv_operator.pdapi.poller import Snapshot


@dataclass(frozen=True)
class StoreFacts:
    id: int
    address: str
    tombstone: bool
    up: bool
    """Up and heartbeating (PD's state_name is Up)."""

    @classmethod
    def of(cls, info: StoreInfo) -> StoreFacts:
        store = info.store
        return cls(
            id=store.id,
            address=store.address,
            tombstone=store.state == StoreState.TOMBSTONE,
            up=store.state == StoreState.UP and store.state_name == StoreStateName.UP,
        )


@dataclass(frozen=True)
class PDInfo:
    cluster_id: int
    members: tuple[str, ...]
    """Names of the started members (a member added but never started has no name)."""
    leaders: tuple[str, ...]
    """Leader names as reported by each source asked; more than one distinct name means
    PD disagrees with itself."""
    stores: tuple[StoreFacts, ...]
    max_replicas: int
    evict_leader_stores: frozenset[int]

    @property
    def leader(self) -> str | None:
        return self.leaders[0] if self.leaders else None

    @property
    def up_stores(self) -> int:
        return sum(1 for s in self.stores if s.up)

    @property
    def live_stores(self) -> tuple[StoreFacts, ...]:
        return tuple(s for s in self.stores if not s.tombstone)


def pd_info_of(snapshot: Snapshot) -> PDInfo:
    """The facts of a PD snapshot the Cluster's decisions use."""
    return PDInfo(
        cluster_id=snapshot.cluster_id,
        members=tuple(m.name for m in snapshot.members if m.name),
        leaders=snapshot.leaders,
        stores=tuple(StoreFacts.of(s) for s in snapshot.stores),
        max_replicas=snapshot.replication.max_replicas,
        evict_leader_stores=snapshot.evict_leader_stores,
    )
