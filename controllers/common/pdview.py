"""Where every controller gets PD's state: the cluster's poller (DESIGN §1).

The Cluster controller starts a cluster's poller once the PD URL is known (`pd_url`) and
stops it with the Cluster. Every other controller reads the poller's latest snapshot in its
`pd` task; none asks PD in a reconcile. A destructive step asks for a `fresh` snapshot first
(rules 7, 8, 10); writes go through the poller's client, which refreshes the snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from apis import Cluster
from controllers.common.deps import Deps
from controllers.common.objects import key_of
from controllers.common.runner import Complete, TaskResult
from tikv_operator.kube.controller import Enqueue, EventSource
from tikv_operator.pdapi import PDClient
from tikv_operator.pdapi.poller import Change, Poller, Pollers, Snapshot


def pd_url(deps: Deps, namespace: str, name: str, service_url: str | None) -> str | None:
    """The one place a cluster's PD URL is resolved: `--pd-url-override NS/CLUSTER=URL` wins
    (an operator outside the Kubernetes cluster), else the PD client Service's URL."""
    return deps.settings.pd_url_overrides.get(f"{namespace}/{name}", service_url)


@dataclass(frozen=True)
class PDState:
    """The cluster's poller (for writes and fresh reads) and its usable snapshot, or why
    there is none: then every PD-dependent destructive step stands still (rule 8)."""

    poller: Poller | None
    snapshot: Snapshot | None
    unavailable: str | None

    @property
    def client(self) -> PDClient | None:
        return self.poller.client if self.poller is not None else None

    @property
    def pending(self) -> bool:
        """The poller's first poll is still on its way (the operator just started, or the
        Cluster just got its PD URL): PD's state is not known, which is not PD being down.
        A status written now would say "PD unavailable" for a moment and flip back; the
        first snapshot, answered or failed, wakes every object of the cluster anyway."""
        return self.poller is not None and self.snapshot is None and self.poller.snapshot is None


PD_PENDING = "PD has not answered yet"


def read_pd(deps: Deps, cluster: Cluster) -> PDState:
    poller = deps.pd.get(key_of(cluster))
    if poller is None:
        return PDState(None, None, "PD is not watched yet: the Cluster has no PD URL")
    last = poller.snapshot
    if last is None:
        return PDState(poller, None, PD_PENDING)
    if last.error is not None:
        return PDState(poller, None, f"PD cannot be asked: {last.error}")
    if poller.current() is None:
        return PDState(poller, None, f"PD's last answer is older than {poller.max_age:g}s")
    return PDState(poller, last, None)


KeysFor = Callable[[str, Snapshot, Change], Iterable[str]]
"""The keys of one controller that a change of one cluster's PD view affects."""


def pd_changes(pollers: Pollers, keys_for: KeysFor) -> EventSource:
    """A controller's event source: the keys `keys_for` derives from every PD view change."""

    async def source(enqueue: Enqueue) -> None:
        def listener(cluster: str, snapshot: Snapshot, change: Change) -> None:
            for key in keys_for(cluster, snapshot, change):
                enqueue(key)

        unsubscribe = pollers.subscribe(listener)
        try:
            await asyncio.Event().wait()
        finally:
            unsubscribe()

    return source


NO_PD = PDState(None, None, "PD has not been read in this reconcile")


class PDReader(Protocol):
    deps: Deps
    loaded_cluster: Cluster | None
    pd_state: PDState


class UsesPD:
    """Mixin of a reconcile context whose `pd` task filled `pd_state`."""

    pd_state: PDState

    @property
    def view(self) -> Snapshot | None:
        """PD's usable snapshot; None while PD cannot be relied on (then see `pd_error`)."""
        return self.pd_state.snapshot

    @property
    def pd_error(self) -> str | None:
        return self.pd_state.unavailable

    @property
    def poller(self) -> Poller | None:
        return self.pd_state.poller

    def pd_client(self) -> PDClient | None:
        """The client every write to this cluster's PD goes through."""
        return self.pd_state.client

    def pd_writer(self) -> PDClient:
        """`pd_client()` for a step that runs only once PD's view was usable."""
        client = self.pd_state.client
        if client is None:
            raise RuntimeError("a task wrote to PD before PD's view was read")
        return client


async def read_pd_view(ctx: PDReader) -> TaskResult:
    """The `pd` task of every controller: PD's latest snapshot of the cluster, never a call
    to PD. An unusable view is a state, not a failure: each PD-dependent step waits (rule 8)."""
    if ctx.loaded_cluster is None:
        ctx.pd_state = PDState(None, None, "the Cluster is gone")
        return Complete("no Cluster; PD not read")
    ctx.pd_state = read_pd(ctx.deps, ctx.loaded_cluster)
    if ctx.pd_state.snapshot is None:
        return Complete(f"PD unavailable: {ctx.pd_state.unavailable}")
    return Complete()
