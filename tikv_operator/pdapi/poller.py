"""One view of PD per cluster: a background poller, its snapshots, and their change feed.

This is the only place the operator reads PD's state (DESIGN §1). Each TiKV cluster has one
`Poller`, kept in the process-wide `Pollers` registry, that takes a `Snapshot` every poll
interval: members, health, leader, every store (Tombstone included), the evict-leader
scheduler's stores, the replication config and the cluster id. Controllers read the latest
snapshot and its age instead of asking PD in a reconcile, and the change feed tells them
which members (by name) and stores (by address) to look at again.

A settled cluster costs two requests a poll: what moves without anybody asking (members
with their leader and versions; stores with their states and counts) is read on every
poll, the rest (member health, the leader cross-check, the evict-leader scheduler, the
replication config) on a full poll: every `FULL_EVERY`th, every poll a controller asks for
(`fresh`, `expedite`, the refresh after a write) and the one after a change. Between full
polls a snapshot keeps the last full poll's answers for those.

Writes to PD stay direct calls through the poller's client; each one refreshes the snapshot
at once. A decision that must not act on stale data (a destructive step) asks `fresh()`.
A failed poll keeps the previous data for display but marks the snapshot failed, so nobody
acts on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import structlog

from tikv_operator.pdapi.client import EVICT_LEADER_SCHEDULER, PDClient
from tikv_operator.pdapi.errors import NotBootstrapped, PDError
from tikv_operator.pdapi.models import (
    Member,
    MemberHealth,
    Members,
    ReplicationConfig,
    StoreInfo,
    StoreState,
    StoreStateName,
)
from tikv_operator.tls import ClientTLS

DEFAULT_INTERVAL = 15.0
QUICK = 1.0
"""Seconds to the next poll while PD's view is moving: right after a change, or when a
controller waits on PD (`expedite`). A failing PD is polled again after QUICK, doubling up
to the interval."""
STALE_AFTER_POLLS = 3
"""A snapshot older than this many poll intervals is not acted upon (a poll hangs or fails)."""
FULL_EVERY = 8
"""Every how many polls a settled cluster's poll is a full one (2 minutes at the default
interval). Health between two is mostly seen sooner: a PD member that stops answering fails
its Pod's readiness probe, the reconcile that sees it is not settled and expedites a full
poll."""
"""A snapshot older than this many poll intervals is not acted upon (a poll hangs or fails)."""

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What PD said at `taken_at` (seconds since the epoch); `error` is set if the poll failed."""

    taken_at: float
    cluster_id: int = 0
    members: tuple[Member, ...] = ()
    leader: str = ""
    leaders: tuple[str, ...] = ()
    """Distinct leader names reported by `/members` and `/leader`: more than one means PD
    disagrees with itself (the safety brake's MultipleLeaders)."""
    health: Mapping[str, bool] = field(default_factory=dict)
    stores: tuple[StoreInfo, ...] = ()
    """Every store PD knows, Tombstone included; none before TiKV bootstraps the cluster."""
    evict_leader_stores: frozenset[int] = frozenset()
    replication: ReplicationConfig = field(default_factory=ReplicationConfig)
    error: PDError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def usable(self, now: float, max_age: float) -> bool:
        """True when the poll succeeded and is recent enough to base a decision on."""
        return self.ok and now - self.taken_at <= max_age

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def healthy(self, name: str) -> bool:
        return self.health.get(name, False)

    @property
    def live_stores(self) -> tuple[StoreInfo, ...]:
        return tuple(s for s in self.stores if s.store.state != StoreState.TOMBSTONE)

    @property
    def up_stores(self) -> int:
        """Stores Up and heartbeating (PD's state_name is Up)."""
        return sum(
            1
            for s in self.stores
            if s.store.state == StoreState.UP and s.store.state_name == StoreStateName.UP
        )


@dataclass(frozen=True)
class Change:
    """Members (by name) and stores (by advertise address) whose PD view changed; `everything`
    when the whole view must be looked at again (first snapshot, PD starting or stopping to
    answer, the cluster id changing)."""

    members: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()
    everything: bool = False
    counts_only: bool = False
    """Only stores' leader and region counts moved: PD's scheduling at work, which in a busy
    cluster never stops, so it does not hurry the next poll (a controller waiting for counts
    to move expedites it)."""

    def __bool__(self) -> bool:
        return bool(self.members or self.stores or self.everything)

    @property
    def moved(self) -> bool:
        """Something other than counts changed: the poller looks again soon, fully."""
        return bool(self) and not self.counts_only


def _member_views(s: Snapshot) -> dict[str, Hashable]:
    return {
        m.name: (
            m.member_id,
            m.client_urls,
            m.peer_urls,
            m.binary_version,
            s.health.get(m.name),
            m.name == s.leader,
        )
        for m in s.members
    }


def _store_views(s: Snapshot) -> dict[str, Hashable]:
    return {
        i.store.address: (
            i.store.id,
            i.store.state,
            i.store.node_state,
            i.store.state_name,
            i.store.labels,
            i.store.version,
            i.store.start_timestamp,
            i.store.id in s.evict_leader_stores,
        )
        for i in s.stores
    }


def _store_counts(s: Snapshot) -> dict[str, Hashable]:
    return {i.store.address: (i.status.leader_count, i.status.region_count) for i in s.stores}


def _changed(old: Mapping[str, Hashable], new: Mapping[str, Hashable]) -> frozenset[str]:
    return frozenset(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def diff(old: Snapshot | None, new: Snapshot) -> Change:
    """What changed between two polls."""
    if old is None or old.ok != new.ok:
        return Change(everything=True)
    if not new.ok:
        return Change()
    if (old.cluster_id, old.leaders, old.replication) != (
        new.cluster_id,
        new.leaders,
        new.replication,
    ):
        return Change(everything=True)
    members = _changed(_member_views(old), _member_views(new))
    stores = _changed(_store_views(old), _store_views(new))
    counted = _changed(_store_counts(old), _store_counts(new))
    moved = bool(members or stores)
    return Change(members, stores | counted, counts_only=bool(counted) and not moved)


OnChange = Callable[[Snapshot, Change], None]


async def take_snapshot(
    client: PDClient, now: Callable[[], float], light: Snapshot | None = None
) -> Snapshot:
    """Ask PD for everything a snapshot holds; with `light` (the previous, successful
    snapshot) only for members and stores, keeping `light`'s health, evictions and
    replication config. A failure is a snapshot with `error` set."""
    health: Mapping[str, bool]
    try:
        if light is None:
            members, leaders = await _members_and_leaders(client)
            if len(leaders) > 1:
                # A leader transfer between the two reads looks like two leaders; ask once
                # more so that only a disagreement that persists is reported.
                members, leaders = await _members_and_leaders(client)
            health = _health_by_name(await client.get_health())
        else:
            members = await client.get_members()
            leaders = _leaders_since(light.leaders, members)
            health = light.health
        stores = await client.get_stores_if_bootstrapped()
        if light is None:
            evicting = frozenset(await _evict_leader_stores(client) if stores else ())
            replication = await client.get_replication_config()
        else:
            evicting, replication = light.evict_leader_stores, light.replication
        cluster_id = members.header.cluster_id or (await client.get_cluster()).id
    except PDError as err:
        log.info("pd poll failed", cluster=client.cluster, error=str(err))
        return Snapshot(now(), error=err)
    return Snapshot(
        taken_at=now(),
        cluster_id=cluster_id,
        members=members.members,
        leader=leaders[0] if len(leaders) == 1 else "",
        leaders=leaders,
        health=health,
        stores=tuple(stores),
        evict_leader_stores=evicting,
        replication=replication,
    )


def _leaders_since(checked: tuple[str, ...], members: Members) -> tuple[str, ...]:
    """The leaders a light poll reports: the last full poll's cross-checked ones while
    `/members` still names one of them (so a disagreement stays reported until a full poll
    looks again), else the one `/members` names now (a changed leader makes the next poll
    a full one)."""
    leader = members.leader.name if members.leader else ""
    if leader in checked:
        return checked
    return (leader,) if leader else ()


async def _members_and_leaders(client: PDClient) -> tuple[Members, tuple[str, ...]]:
    members = await client.get_members()
    leader = await client.get_leader()
    names = {members.leader.name if members.leader else "", leader.name}
    return members, tuple(sorted(n for n in names if n))


async def _evict_leader_stores(client: PDClient) -> set[int]:
    """Asked only when the scheduler runs: PD answers its config list with a 404 otherwise,
    which is an answer ("no store is evicted"), not an error worth a red panel."""
    try:
        if EVICT_LEADER_SCHEDULER not in await client.get_scheduler_names():
            return set()
        return await client.get_evict_leader_stores()
    except NotBootstrapped:
        return set()


def _health_by_name(health: Iterable[MemberHealth]) -> dict[str, bool]:
    return {h.name: h.health for h in health if h.name}


class Poller:
    """Polls one PD cluster every `interval` seconds in steady state, sooner while its view
    moves (after a change, a failure, or `expedite()`), at once on `refresh()` (every write
    through its client), and on demand with `fresh()`."""

    def __init__(
        self,
        client: PDClient,
        *,
        interval: float = DEFAULT_INTERVAL,
        on_change: OnChange | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.interval = interval
        self.snapshot: Snapshot | None = None
        self.last_success: float | None = None
        """When the latest successful poll was taken (seconds since the epoch): a failed poll
        keeps the previous data for display, so its `taken_at` says nothing of its age."""
        self._on_change = on_change
        self._clock = clock
        self._wake = asyncio.Event()
        self._due = 0.0
        self._backoff = QUICK
        self._full_wanted = True
        self._light_polls = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        client.on_write = self.refresh

    @property
    def max_age(self) -> float:
        return STALE_AFTER_POLLS * self.interval

    def current(self) -> Snapshot | None:
        """The latest snapshot if it may be acted upon (succeeded, not stale), else None."""
        s = self.snapshot
        return s if s is not None and s.usable(self._clock(), self.max_age) else None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"pd-poller-{self.client.cluster}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def refresh(self) -> None:
        """Take a full poll now instead of waiting for the interval (e.g. right after a PD
        call)."""
        self._due = time.monotonic()
        self._full_wanted = True
        self._wake.set()

    def expedite(self) -> None:
        """Take a full poll within QUICK seconds: a controller waits for PD's view to move (a
        member to join, a store to register); the poll after that goes back to the interval."""
        self._due = min(self._due, time.monotonic() + QUICK)
        self._full_wanted = True
        self._wake.set()

    async def fresh(self) -> Snapshot:
        """A full snapshot taken after this call began (rules 7, 8, 10: no destructive step
        on stale data)."""
        return await self.poll_once()

    async def poll_once(self) -> Snapshot:
        """Take a full snapshot, publish it, and report what changed to the callback."""
        snapshot, _ = await self._poll(full=True)
        return snapshot

    def _wants_full(self) -> bool:
        """Asked for, after a change, or the FULL_EVERYth poll in a row (a poll after a
        failure is full anyway: there is nothing to keep)."""
        return self._full_wanted or self._light_polls + 1 >= FULL_EVERY

    async def _poll(self, full: bool) -> tuple[Snapshot, Change]:
        async with self._lock:
            light = None if full or self.snapshot is None or not self.snapshot.ok else self.snapshot
            if light is None:
                self._full_wanted, self._light_polls = False, 0
            else:
                self._light_polls += 1
            new = await take_snapshot(self.client, self._clock, light)
            change = diff(self.snapshot, new)
            if change.moved:
                self._full_wanted = True
            if new.ok:
                self.last_success = new.taken_at
            if not new.ok and self.snapshot is not None:
                # Keep what we knew for display, marked as failed so nobody acts on it.
                new = dataclasses.replace(self.snapshot, taken_at=new.taken_at, error=new.error)
            self.snapshot = new
        if change and self._on_change is not None:
            self._on_change(new, change)
        return new, change

    def _next_delay(self, failed_before: bool, after: Snapshot, change: Change) -> float:
        """The interval in steady state; QUICK after a change other than counts; after a
        failure QUICK doubling up to the interval."""
        if after.error is not None:
            self._backoff = min(self._backoff * 2, self.interval) if failed_before else QUICK
            return self._backoff
        return QUICK if change.moved else self.interval

    async def _run(self) -> None:
        while True:
            # A refresh or expedite asked for while this poll runs moves `_due` earlier.
            self._due = math.inf
            failed_before = self.snapshot is not None and self.snapshot.error is not None
            try:
                delay = self._next_delay(failed_before, *await self._poll(self._wants_full()))
            except Exception:  # a bug in a listener must not stop the cluster's view
                log.exception("pd poll crashed", cluster=self.client.cluster)
                delay = self.interval
            self._due = min(self._due, time.monotonic() + delay)
            while (wait := self._due - time.monotonic()) > 0:
                self._wake.clear()
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a
                # cancellation that races the event, and stop() would wait a whole interval.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()


Listener = Callable[[str, Snapshot, Change], None]
"""Called with the cluster key (`namespace/name`), the new snapshot and what changed."""


class Pollers:
    """One poller per TiKV cluster in the process, shared by every controller.

    The Cluster controller starts a cluster's poller once its PD URL is known and stops it
    with the Cluster; the other controllers only read (`get`)."""

    def __init__(
        self,
        *,
        interval: float = DEFAULT_INTERVAL,
        timeout: float = 10.0,
        make_client: Callable[[str, str, ClientTLS | None], PDClient] | None = None,
    ) -> None:
        self.interval = interval
        self.timeout = timeout
        self._make_client = make_client or self._default_client
        self._pollers: dict[str, Poller] = {}
        self._listeners: list[Listener] = []

    def _default_client(self, cluster: str, url: str, tls: ClientTLS | None) -> PDClient:
        return PDClient(url, cluster=cluster, tls=tls, timeout=self.timeout)

    def get(self, cluster: str) -> Poller | None:
        return self._pollers.get(cluster)

    def items(self) -> list[tuple[str, Poller]]:
        """Every running poller with its cluster key (`namespace/name`)."""
        return list(self._pollers.items())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every change of any cluster; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def ensure(self, cluster: str, url: str, tls: ClientTLS | None = None) -> Poller:
        """The running poller of `cluster` at `url` with `tls`; a poller at another URL or
        with other certificates (rotated ones) is replaced."""
        poller = self._pollers.get(cluster)
        if (
            poller is not None
            and poller.client.base_url == url.rstrip("/")
            and _fingerprint(poller.client.tls) == _fingerprint(tls)
        ):
            return poller
        if poller is not None:
            await self.remove(cluster)

        def publish(snapshot: Snapshot, change: Change) -> None:
            for listener in list(self._listeners):
                listener(cluster, snapshot, change)

        client = self._make_client(cluster, url, tls)
        poller = Poller(client, interval=self.interval, on_change=publish)
        self._pollers[cluster] = poller
        poller.start()
        return poller

    async def remove(self, cluster: str) -> None:
        poller = self._pollers.pop(cluster, None)
        if poller is not None:
            await poller.stop()
            await poller.client.aclose()

    async def close(self) -> None:
        for cluster in list(self._pollers):
            await self.remove(cluster)


def _fingerprint(tls: ClientTLS | None) -> str | None:
    return tls.fingerprint if tls is not None else None
