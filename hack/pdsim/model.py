"""The simulated PD cluster: members, leadership, stores, regions as counts, schedulers.

Pure state and rules, no I/O: the HTTP layer (`hack.pdsim.app`) renders it, the follower
(`hack.pdsim.follow`) feeds it, and a ticker calls `PDCluster.tick` to let the schedulers
move regions and leaders. Errors carry the status code and message real PD would answer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from enum import IntEnum

from hack.pdsim.clock import Clock

DISCONNECTED_AFTER = 20.0
# etcd counts a peer as active only once it has been connected for HealthInterval.
ETCD_HEALTH_INTERVAL = 5.0
DEFAULT_MAX_STORE_DOWN_TIME = 30 * 60.0
# PD's core.InitClusterRegionThreshold: in a cluster with fewer regions PD serves every
# Preparing store at once instead of waiting until it holds its share.
INIT_CLUSTER_REGION_THRESHOLD = 100
VERSION = "v8.5.1"
GIT_HASH = "5036cc277fc8c0e7fa1219265ae407de80b950b7"
# A release pd-server reports when it was built, in PD's Makefile format
# (`date -u '+%Y-%m-%d %I:%M:%S'`); only a build without PD's ldflags says "None".
BUILD_TS = "2025-01-09 10:00:00"


class StoreState(IntEnum):
    UP = 0
    OFFLINE = 1
    TOMBSTONE = 2


class NodeState(IntEnum):
    PREPARING = 0
    SERVING = 1
    REMOVING = 2
    REMOVED = 3


class SimError(Exception):
    """An error answer: HTTP status and PD's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


NOT_BOOTSTRAPPED = (
    "[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first"
)
NO_LEADER = "[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader"


PD_ONLINE_SECTIONS = frozenset(
    {"schedule", "replication", "replication-mode", "pd-server", "keyspace", "micro-service"}
)
"""Sections whose items PD v8.5.1 changes through `POST /config` (server/api/config.go)."""
TIKV_STATIC_KEYS = frozenset(
    {
        "server.addr",
        "server.advertise-addr",
        "server.status-addr",
        "server.advertise-status-addr",
        "storage.data-dir",
        "storage.engine",
        "pd.endpoints",
        "raft-engine.dir",
        "rocksdb.wal-dir",
    }
)
"""A few TiKV settings TiKV never changes online; its status API refuses a change naming one."""


def store_not_found(store_id: int) -> SimError:
    return SimError(404, f"[PD:core:ErrStoreNotFound]store {store_id} not found")


def store_removed(store_id: int) -> SimError:
    return SimError(410, f"[PD:core:ErrStoreRemoved]store {store_id} has been removed")


@dataclass(frozen=True)
class Event:
    time: float
    kind: str
    subject: str
    detail: str = ""


@dataclass
class Member:
    name: str
    member_id: int
    peer_urls: list[str]
    client_urls: list[str]
    joined_at: float
    healthy: bool = True
    healthy_since: float = 0.0
    version: str = VERSION
    data: str = ""
    """Which data directory the member runs on (the uid of its Pod's data PVC; "" when not
    known): a pd-server started on another one is a wiped member, not a restart."""
    hung: bool = False
    """A test's hung pd-server: unhealthy whatever its Pod does, until the member is removed
    (a member that rejoins after its removal is a new process)."""


@dataclass
class Store:
    id: int
    address: str
    status_address: str
    version: str
    start_timestamp: int
    last_heartbeat: float
    state: StoreState = StoreState.UP
    node_state: NodeState = NodeState.PREPARING
    labels: dict[str, str] = field(default_factory=dict)
    heartbeating: bool = True
    region_count: int = 0
    leader_count: int = 0
    state_name: str = "Up"
    config: dict[str, str] = field(default_factory=dict)
    """Items changed online through the store's status API (`POST /config`)."""


@dataclass
class Settings:
    max_replicas: int = 3
    location_labels: list[str] = field(default_factory=list)
    max_store_down_time: float = DEFAULT_MAX_STORE_DOWN_TIME
    disconnected_after: float = DISCONNECTED_AFTER
    regions: int = 12
    """Regions in the cluster once bootstrapped; each has up to max-replicas peers. From
    `INIT_CLUSTER_REGION_THRESHOLD` on, a new store is Preparing until it holds its share."""
    moves_per_tick: int = 2
    """Peer or leader moves the schedulers make per tick."""


class PDCluster:
    def __init__(
        self,
        clock: Clock,
        settings: Settings | None = None,
        *,
        cluster_id: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.settings = settings or Settings()
        self._rng = rng or random.Random()
        # Real cluster ids are 64-bit and above 2^53, which is what breaks float parsers.
        self.cluster_id = cluster_id or (self._rng.getrandbits(62) | 1 << 60)
        self.first_cluster_id = self.cluster_id
        self.start_timestamp = int(clock.now())
        self.members: list[Member] = []
        self.removed: dict[str, str] = {}
        """Data directory (`Member.data`) of each member removed from PD, by name."""
        self.leader: Member | None = None
        self.stores: dict[int, Store] = {}
        self.evict_leader_stores: set[int] = set()
        self.stuck_leader_stores: set[int] = set()
        """Stores whose leaders no scheduler can move (a test's stand-in for regions whose
        followers are all too far behind to take over)."""
        self.events: list[Event] = []
        self.config_items: dict[str, object] = {}
        """Items changed through PD's config API."""
        self._next_store_id = 1

    def record(self, kind: str, subject: str, detail: str = "") -> None:
        self.events.append(Event(self.clock.now(), kind, subject, detail))

    def set_cluster_id(self, cluster_id: int) -> None:
        """PD answers with another cluster id (the URL now reaches another cluster's PD),
        or its own again; logged with the first id, which checkers compare against."""
        self.cluster_id = cluster_id
        self.record("cluster-id", str(cluster_id), str(self.first_cluster_id))

    # Members.

    def add_member(
        self,
        name: str,
        peer_urls: list[str],
        client_urls: list[str],
        version: str = "",
        data: str = "",
    ) -> Member:
        """A pd-server (of `version`, default the simulator's) started with --initial-cluster
        or --join on the data directory `data` (idempotent by name and data: a restart).

        Like real PD, a member cannot come back on another data directory while PD still
        lists it (PD's join refuses "missing data or join a duplicated pd"), nor on the data
        directory it had when it was removed (etcd: "the member has been permanently removed
        from the cluster"); pd-server exits, which raises SimError here. Once removed, a
        member with a fresh data directory joins anew, with a new member id."""
        existing = self.member_by_name(name)
        if existing is not None:
            if data and existing.data and data != existing.data:
                raise self._rejected(name, "missing data or join a duplicated pd")
            existing.data = existing.data or data
            existing.peer_urls, existing.client_urls = peer_urls, client_urls
            if not existing.healthy and not existing.hung:
                existing.version = version or existing.version
                self.record("member-started", name, existing.version)
            if not existing.hung:
                self.set_member_health(name, True)
            return existing
        if data and self.removed.get(name) == data:
            raise self._rejected(name, "the member has been permanently removed from the cluster")
        now = self.clock.now()
        member = Member(
            name, self._new_member_id(), peer_urls, client_urls, now, True, now, version or VERSION
        )
        member.data = data
        self.members.append(member)
        self.record("member-joined", name, str(member.member_id))
        self._elect_if_needed()
        return member

    def _rejected(self, name: str, why: str) -> SimError:
        self.record("member-rejected", name, why)
        return SimError(500, why)

    def member_by_name(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def set_member_health(self, name: str, healthy: bool) -> None:
        member = self.member_by_name(name)
        if member is None or member.healthy == healthy:
            return
        member.healthy = healthy
        member.healthy_since = self.clock.now()
        self.record("member-healthy" if healthy else "member-unhealthy", name)
        if not healthy and member is self.leader:
            self._set_leader(None)
        self._elect_if_needed()

    def hang_member(self, name: str, hung: bool = True) -> None:
        """Make a member's pd-server hang (unhealthy while its Pod keeps running), or end that
        (healthy again, as if the process recovered)."""
        member = self.member_by_name(name)
        if member is None:
            raise SimError(404, f"not found, pd: {name}")
        member.hung = hung
        self.set_member_health(name, not hung)

    def remove_member_by_name(self, name: str) -> None:
        member = self.member_by_name(name)
        if member is None:
            raise SimError(404, f"not found, pd: {name}")
        self._remove_member(member)

    def remove_member_by_id(self, member_id: int) -> None:
        member = next((m for m in self.members if m.member_id == member_id), None)
        if member is None:
            raise SimError(500, "etcdserver: member not found")
        self._remove_member(member)

    def transfer_leader(self, name: str) -> None:
        self._require_leader()
        target = next((m for m in self.members if m.name == name and m.healthy), None)
        if target is None:
            raise SimError(500, "no valid pd to transfer etcd leader")
        self._set_leader(target)

    def resign_leader(self) -> None:
        leader = self._require_leader()
        others = [m for m in self.members if m is not leader and m.healthy]
        if others:
            self._set_leader(min(others, key=lambda m: m.joined_at))

    def has_quorum(self) -> bool:
        return sum(m.healthy for m in self.members) * 2 > len(self.members)

    def _require_leader(self) -> Member:
        if self.leader is None:
            raise SimError(503, NO_LEADER)
        return self.leader

    def _remove_member(self, member: Member) -> None:
        self._check_quorum_survives_removal(member)
        self.members.remove(member)
        self.removed[member.name] = member.data
        self.record("member-removed", member.name, str(member.member_id))
        if member is self.leader:
            self._set_leader(None)
        self._elect_if_needed()

    def _check_quorum_survives_removal(self, leaving: Member) -> None:
        # etcd's strict reconfig check. The members left must be enough started ones for a
        # quorum of their own (every member here has started: it has a name). A member that
        # is down is not part of the active quorum and may go; otherwise the removal must
        # leave a quorum of peers that have been connected for a while, so a freshly
        # started (or restarted) member does not count yet and PD answers 500.
        if not [m for m in self.members if m is not leaving]:
            raise SimError(
                500,
                "[PD:etcd:ErrEtcdMemberRemove]etcdserver: re-configuration failed due to not "
                "enough started members",
            )
        if not leaving.healthy:
            return
        settled = self.clock.now() - ETCD_HEALTH_INTERVAL
        active = sum(
            1
            for m in self.members
            if m is self.leader or (m.healthy and m.healthy_since <= settled)
        )
        if active - 1 < 1 + (len(self.members) - 1) // 2:
            raise SimError(
                500,
                "[PD:etcd:ErrEtcdMemberRemove]etcdserver: unhealthy cluster: "
                "etcdserver: unhealthy cluster",
            )

    def _elect_if_needed(self) -> None:
        if self.leader is not None or not self.has_quorum():
            return
        candidates = [m for m in self.members if m.healthy]
        if candidates:
            self._set_leader(min(candidates, key=lambda m: m.joined_at))

    def _set_leader(self, member: Member | None) -> None:
        if member is self.leader:
            return
        self.leader = member
        self.record("leader-changed", member.name if member else "")

    def _new_member_id(self) -> int:
        return self._rng.getrandbits(63) | 1 << 60

    # Stores.

    @property
    def bootstrapped(self) -> bool:
        return bool(self.stores)

    def require_bootstrapped(self) -> None:
        if not self.bootstrapped:
            raise SimError(500, NOT_BOOTSTRAPPED)

    def put_store(
        self,
        address: str,
        status_address: str = "",
        version: str = "",
        heartbeat: bool = True,
        labels: dict[str, str] | None = None,
    ) -> Store:
        """A TiKV (of `version`, default the simulator's) registering, or restarting at the
        same address, and starting to heartbeat. With `heartbeat` False a new store only
        registers, as a TiKV does before its first store heartbeat: PD then has its last
        heartbeat at 0 and lists it Down, counting its down time from the epoch. `labels`
        are merged into the store's, as PD's PutStore does."""
        version = version or VERSION
        store = self.store_by_address(address)
        now = self.clock.now()
        if store is None:
            store = Store(
                id=self._next_store_id,
                address=address,
                status_address=status_address,
                version=version,
                start_timestamp=int(now),
                last_heartbeat=now if heartbeat else 0.0,
                heartbeating=heartbeat,
            )
            self._next_store_id += 1
            if not self.stores:
                # The first TiKV bootstraps the cluster and holds every region at first.
                store.region_count = store.leader_count = self.settings.regions
                store.node_state = NodeState.SERVING
            self.stores[store.id] = store
            self.record("store-registered", address, str(store.id))
        elif not store.heartbeating and heartbeat:
            # A new process: a new start time, and the version it runs.
            store.start_timestamp = int(now)
            store.version = version
            self.record("store-started", address, f"{store.id} {version}")
        if heartbeat:
            store.heartbeating = True
            store.last_heartbeat = now
        store.labels.update(labels or {})
        self._refresh_state_name(store)
        return store

    def store_by_address(self, address: str) -> Store | None:
        live = (s for s in self.stores.values() if s.state != StoreState.TOMBSTONE)
        return next((s for s in live if s.address == address), None)

    def stop_heartbeat(self, address: str) -> None:
        store = self.store_by_address(address)
        if store is not None and store.heartbeating:
            store.heartbeating = False
            # With the leaders it still held: a test asks whether they were moved first.
            self.record("store-stopped", address, f"{store.id} leaders={store.leader_count}")

    def get_store(self, store_id: int) -> Store:
        self.require_bootstrapped()
        store = self.stores.get(store_id)
        if store is None:
            raise store_not_found(store_id)
        return store

    def remove_store(self, store_id: int) -> None:
        store = self.get_store(store_id)
        if store.state == StoreState.OFFLINE:
            return
        if store.state == StoreState.TOMBSTONE:
            raise store_removed(store_id)
        up = [s.id for s in self.stores.values() if s.state == StoreState.UP]
        remaining = len(up) - 1
        if remaining < self.settings.max_replicas:
            raise SimError(
                400,
                f"[PD:core:ErrStoresNotEnough]can not remove store {store_id} since the number "
                f"of up stores would be {remaining} while need {self.settings.max_replicas}",
            )
        if all(s in self.evict_leader_stores for s in up if s != store_id):
            raise SimError(
                400,
                f"[PD:core:ErrNoStoreForRegionLeader]can not remove store {store_id} since "
                "there are no extra up store to store the leader",
            )
        store.state, store.node_state = StoreState.OFFLINE, NodeState.REMOVING
        self._refresh_state_name(store)
        self.record("store-offline", store.address, str(store_id))

    def up_store(self, store_id: int) -> None:
        store = self.get_store(store_id)
        if store.state == StoreState.TOMBSTONE:
            raise store_removed(store_id)
        if store.state == StoreState.UP:
            return
        store.state, store.node_state = StoreState.UP, NodeState.SERVING
        self._refresh_state_name(store)
        self.record("store-up", store.address, str(store_id))

    def set_store_labels(self, store_id: int, labels: dict[str, str]) -> None:
        store = self.get_store(store_id)
        store.labels.update(labels)
        self.record("store-labels", store.address, ",".join(f"{k}={v}" for k, v in labels.items()))

    def remove_tombstones(self) -> None:
        self.require_bootstrapped()
        for store in [s for s in self.stores.values() if s.state == StoreState.TOMBSTONE]:
            del self.stores[store.id]
            self.record("tombstone-removed", store.address, str(store.id))

    def stick_leaders(self, store_id: int) -> None:
        self.get_store(store_id)
        self.stuck_leader_stores.add(store_id)

    # Online config.

    def set_config(self, items: dict[str, object]) -> None:
        """PD's `POST /config`: dotted items of the sections PD changes online. Real PD
        applies them one by one and stops at the first it refuses; the simulator checks
        them all first, so a refused body changes nothing."""
        for key in items:
            section = key.split(".", 1)[0]
            if "." not in key and key != "cluster-version":
                raise SimError(400, f"config item {key} not found")
            if section == "log" and key != "log.level":
                raise SimError(400, "only support changing log level")
            if section not in PD_ONLINE_SECTIONS | {"log", "cluster-version"}:
                raise SimError(400, f"config prefix {section} not found")
        for key, value in items.items():
            self.config_items[key] = value
            if key == "replication.max-replicas" and isinstance(value, int):
                self.settings.max_replicas = value
            elif key == "replication.location-labels" and isinstance(value, str):
                self.settings.location_labels = [x for x in value.split(",") if x]
        self.record("pd-config-set", "", json.dumps(items, sort_keys=True))

    def set_store_config(self, status_address: str, items: object) -> Store:
        """A store's status API `POST /config`: string values under dotted keys, applied
        all or nothing. Only a running store answers."""
        store = next(
            (
                s
                for s in self.stores.values()
                if s.status_address == status_address and s.state != StoreState.TOMBSTONE
            ),
            None,
        )
        if store is None or not store.heartbeating:
            raise SimError(503, f"no TiKV answers at {status_address}")
        if not isinstance(items, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in items.items()
        ):
            raise SimError(500, "failed to decode, error: expected a map of strings")
        static = sorted(k for k in items if k in TIKV_STATIC_KEYS)
        if static:
            raise SimError(500, f'failed to update, error: "{static[0]} can not be changed online"')
        store.config.update(items)
        self.record("tikv-config-set", store.address, json.dumps(items, sort_keys=True))
        return store

    # Evict-leader scheduler.

    def add_evict_leader(self, store_id: int) -> None:
        self.get_store(store_id)
        if store_id not in self.evict_leader_stores:
            self.evict_leader_stores.add(store_id)
            self.record("scheduler-added", f"evict-leader-scheduler-{store_id}")

    def remove_evict_leader(self, store_id: int) -> None:
        self.require_bootstrapped()
        if store_id not in self.evict_leader_stores:
            raise SimError(404, "[PD:scheduler:ErrSchedulerNotFound]scheduler not found")
        self.evict_leader_stores.discard(store_id)
        self.record("scheduler-removed", f"evict-leader-scheduler-{store_id}")

    # Time passing.

    def tick(self) -> None:
        """Heartbeats, state names, and up to `moves_per_tick` scheduler moves."""
        now = self.clock.now()
        for store in self.stores.values():
            if store.heartbeating and store.state != StoreState.TOMBSTONE:
                store.last_heartbeat = now
            self._refresh_state_name(store)
        leading = {s.id for s in self.stores.values() if s.leader_count}
        for _ in range(self.settings.moves_per_tick):
            if not self._schedule_one():
                break
        for store in self.stores.values():
            if (store.id in leading) != bool(store.leader_count):
                kind = "leaders-back" if store.leader_count else "leaders-gone"
                self.record(kind, store.address, str(store.id))
        for store in self.stores.values():
            self._finish_removal(store)
            self._finish_preparing(store)

    def is_alive(self, store: Store) -> bool:
        return self.clock.now() - store.last_heartbeat < self.settings.disconnected_after

    def is_down(self, store: Store) -> bool:
        return self.clock.now() - store.last_heartbeat > self.settings.max_store_down_time

    def _refresh_state_name(self, store: Store) -> None:
        name = store.state.name.capitalize()
        # Like PD, heartbeat age refines only the name of an Up store.
        if store.state == StoreState.UP and self.is_down(store):
            name = "Down"
        elif store.state == StoreState.UP and not self.is_alive(store):
            name = "Disconnected"
        if name == store.state_name:
            return
        previous, store.state_name = store.state_name, name
        if name in ("Disconnected", "Down"):
            self.record(f"store-{name.lower()}", store.address, str(store.id))
        elif name == "Up" and previous in ("Disconnected", "Down"):
            self.record("store-reconnected", store.address, str(store.id))

    def _finish_removal(self, store: Store) -> None:
        if store.state == StoreState.OFFLINE and store.region_count == 0:
            store.state, store.node_state = StoreState.TOMBSTONE, NodeState.REMOVED
            store.leader_count = 0
            self._refresh_state_name(store)
            self.record("store-tombstone", store.address, str(store.id))

    def _finish_preparing(self, store: Store) -> None:
        """PD's node-state check (every 10 s there, every tick here): a small cluster serves
        a Preparing store at once, even one never heard from; a larger one once the store
        holds about its share of the regions."""
        if store.node_state != NodeState.PREPARING:
            return
        small = self.settings.regions < INIT_CLUSTER_REGION_THRESHOLD
        filled = self._placeable(store) and store.region_count >= self._expected_share() - 1
        if small or filled:
            store.node_state = NodeState.SERVING

    def _placeable(self, store: Store) -> bool:
        # PD still counts a silent store Up for a while, but a leader transfer or a new peer
        # to a process that is gone never completes.
        return store.state == StoreState.UP and self.is_alive(store) and store.heartbeating

    def _may_lead(self, store: Store) -> bool:
        return self._placeable(store) and store.id not in self.evict_leader_stores

    def _expected_share(self) -> float:
        placeable = [s for s in self.stores.values() if self._placeable(s)]
        if not placeable:
            return 0.0
        replicas = min(self.settings.max_replicas, len(placeable))
        return self.settings.regions * replicas / len(placeable)

    def _schedule_one(self) -> bool:
        return (
            self._move_leader_off_unfit_store()
            or self._move_peer_off_leaving_store()
            or self._add_missing_peer()
            or self._balance_peers()
            or self._balance_leaders()
        )

    def _peer_target(self, exclude: Store | None = None) -> Store | None:
        candidates = [
            s
            for s in self.stores.values()
            if s is not exclude and self._placeable(s) and s.region_count < self.settings.regions
        ]
        return min(candidates, key=lambda s: (s.region_count, s.id), default=None)

    def _leader_target(self, exclude: Store) -> Store | None:
        candidates = [
            s
            for s in self.stores.values()
            if s is not exclude and self._may_lead(s) and s.leader_count < s.region_count
        ]
        return min(candidates, key=lambda s: (s.leader_count, s.id), default=None)

    def _move_leader_off_unfit_store(self) -> bool:
        for store in self.stores.values():
            if store.id in self.stuck_leader_stores:
                continue
            if store.leader_count > 0 and not self._may_lead(store):
                target = self._leader_target(store)
                if target is not None:
                    store.leader_count -= 1
                    target.leader_count += 1
                    return True
        return False

    def _move_peer_off_leaving_store(self) -> bool:
        for store in self.stores.values():
            leaving = store.state == StoreState.OFFLINE or (
                store.state == StoreState.UP and self.is_down(store)
            )
            if not leaving or store.region_count == 0:
                continue
            target = self._peer_target(store)
            if target is None:
                continue
            store.region_count -= 1
            target.region_count += 1
            if store.leader_count > store.region_count:
                store.leader_count -= 1
                target.leader_count += 1
            return True
        return False

    def _add_missing_peer(self) -> bool:
        placeable = [s for s in self.stores.values() if self._placeable(s)]
        want = self.settings.regions * min(self.settings.max_replicas, len(placeable))
        have = sum(s.region_count for s in self.stores.values() if s.state == StoreState.UP)
        if have >= want:
            return False
        target = self._peer_target()
        if target is None:
            return False
        target.region_count += 1
        return True

    def _balance_peers(self) -> bool:
        placeable = [s for s in self.stores.values() if self._placeable(s)]
        if len(placeable) < 2:
            return False
        most = max(placeable, key=lambda s: (s.region_count, -s.id))
        least = min(placeable, key=lambda s: (s.region_count, s.id))
        if most.region_count - least.region_count <= 1:
            return False
        most.region_count -= 1
        least.region_count += 1
        if most.leader_count > most.region_count:
            most.leader_count -= 1
            least.leader_count += 1
        return True

    def _balance_leaders(self) -> bool:
        leaders = [s for s in self.stores.values() if self._may_lead(s)]
        if len(leaders) < 2:
            return False
        most = max(leaders, key=lambda s: (s.leader_count, -s.id))
        least = self._leader_target(most)
        if least is None or most.leader_count - least.leader_count <= 1:
            return False
        most.leader_count -= 1
        least.leader_count += 1
        return True

    def down_peer_stores(self) -> list[Store]:
        """Stores whose peers the region leaders report as down (no heartbeat for 20 s)."""
        return [
            s
            for s in self.stores.values()
            if s.state != StoreState.TOMBSTONE and s.region_count > 0 and not self.is_alive(s)
        ]
