"""What PD says about the cluster as a whole, read once per Cluster reconcile."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from tikv_operator.pdapi import NotBootstrapped, PDClient
from tikv_operator.pdapi.models import Members, StoreInfo, StoreState, StoreStateName


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


async def _leaders(client: PDClient) -> tuple[Members, tuple[str, ...]]:
    members = await client.get_members()
    leader = await client.get_leader()
    names = {members.leader.name if members.leader else "", leader.name}
    return members, tuple(sorted(n for n in names if n))


async def read_pd_info(client: PDClient) -> PDInfo:
    """Raises the client's typed errors when PD cannot answer."""
    members, leaders = await _leaders(client)
    if len(leaders) > 1:
        # A leader transfer between the two reads looks like two leaders; ask once more
        # so that only a disagreement that persists is reported.
        members, leaders = await _leaders(client)
    stores = await client.get_stores_if_bootstrapped()
    replication = await client.get_replication_config()
    evicting: set[int] = set()
    with contextlib.suppress(NotBootstrapped):
        evicting = await client.get_evict_leader_stores()
    cluster_id = members.header.cluster_id or (await client.get_cluster()).id
    return PDInfo(
        cluster_id=cluster_id,
        members=tuple(m.name for m in members.members if m.name),
        leaders=leaders,
        stores=tuple(StoreFacts.of(s) for s in stores),
        max_replicas=replication.max_replicas,
        evict_leader_stores=frozenset(evicting),
    )
