"""Per-cluster background refresh of PD members, health and stores, with a change feed.

Controllers read the latest `Snapshot` instead of asking PD on every reconcile, and the
`Change` feed tells them which members (by name) and stores (by address) to look at again.
A failed poll keeps the previous data but marks the snapshot failed, so nobody acts on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from tikv_operator.pdapi.client import PDClient
from tikv_operator.pdapi.errors import PDError
from tikv_operator.pdapi.models import Member, MemberHealth, StoreInfo

DEFAULT_INTERVAL = 15.0

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What PD said at `taken_at` (seconds since the epoch); `error` is set if the poll failed."""

    taken_at: float
    cluster_id: int = 0
    members: tuple[Member, ...] = ()
    leader: str = ""
    health: Mapping[str, bool] = field(default_factory=dict)
    stores: tuple[StoreInfo, ...] = ()
    error: PDError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def usable(self, now: float, max_age: float) -> bool:
        """True when the poll succeeded and is recent enough to base a decision on."""
        return self.ok and now - self.taken_at <= max_age

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def store_by_address(self, address: str) -> StoreInfo | None:
        return next((s for s in self.stores if s.store.address == address), None)


@dataclass(frozen=True)
class Change:
    """Members (by name) and stores (by advertise address) whose PD view changed."""

    members: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.members or self.stores)


def _member_views(s: Snapshot) -> dict[str, Hashable]:
    return {
        m.name: (m.member_id, m.client_urls, m.peer_urls, s.health.get(m.name), m.name == s.leader)
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
            i.status.leader_count,
            i.status.region_count,
        )
        for i in s.stores
    }


def _changed(old: Mapping[str, Hashable], new: Mapping[str, Hashable]) -> frozenset[str]:
    return frozenset(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def diff(old: Snapshot | None, new: Snapshot) -> Change:
    """What changed between two polls; everything known counts when a poll starts or stops
    failing, since every decision based on PD must then be re-evaluated."""
    if old is None or old.ok != new.ok:
        known = [s for s in (old, new) if s is not None]
        return Change(
            frozenset(m.name for s in known for m in s.members),
            frozenset(i.store.address for s in known for i in s.stores),
        )
    if not new.ok:
        return Change()
    return Change(
        _changed(_member_views(old), _member_views(new)),
        _changed(_store_views(old), _store_views(new)),
    )


OnChange = Callable[[Change], Awaitable[None]]


class Poller:
    """Polls one PD cluster every `interval` seconds, or at once when `refresh()` is called."""

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
        self._on_change = on_change
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

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
        """Poll now instead of waiting for the interval (e.g. right after a PD call)."""
        self._wake.set()

    async def poll_once(self) -> Change:
        """Take a snapshot, publish it, and report what changed to the callback."""
        new = await self._take()
        change = diff(self.snapshot, new)
        if not new.ok and self.snapshot is not None:
            # Keep what we knew for display, marked as failed so nobody acts on it.
            new = dataclasses.replace(self.snapshot, taken_at=new.taken_at, error=new.error)
        self.snapshot = new
        if change and self._on_change is not None:
            await self._on_change(change)
        return change

    async def _take(self) -> Snapshot:
        try:
            members = await self.client.get_members()
            health = await self.client.get_health()
            stores = await self.client.get_stores_if_bootstrapped()
        except PDError as err:
            log.warning("pd poll failed", cluster=self.client.cluster, error=str(err))
            return Snapshot(self._clock(), error=err)
        return Snapshot(
            taken_at=self._clock(),
            cluster_id=members.header.cluster_id,
            members=members.members,
            leader=members.leader.name if members.leader is not None else "",
            health=_health_by_name(health),
            stores=tuple(stores),
        )

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            await self.poll_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)


def _health_by_name(health: Iterable[MemberHealth]) -> dict[str, bool]:
    return {h.name: h.health for h in health}


class Pollers:
    """One poller per TiKV cluster, shared by every controller that needs PD's view."""

    def __init__(self, **poller_options: Any) -> None:
        self._options = poller_options
        self._pollers: dict[str, Poller] = {}

    def get(self, cluster: str) -> Poller | None:
        return self._pollers.get(cluster)

    def ensure(
        self, cluster: str, make_client: Callable[[], PDClient], on_change: OnChange | None = None
    ) -> Poller:
        """The running poller of `cluster`, started with a new client if there is none."""
        poller = self._pollers.get(cluster)
        if poller is None:
            poller = Poller(make_client(), on_change=on_change, **self._options)
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
