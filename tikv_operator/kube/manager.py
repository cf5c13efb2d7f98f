"""The manager: owns the shared informers, the controllers and the process lifecycle.

`run` starts the metrics and probe endpoints, the event recorder and every informer; waits
until the caches are synced; then (with leader election) waits for the Lease and runs the
controllers only while it holds it. SIGTERM/SIGINT stop intake, let running reconciles
finish within `graceful_shutdown_timeout`, and release the Lease so that a standby takes over
at once. Losing the Lease raises LeadershipLost: the process must exit non-zero rather than
keep acting on a view another leader may be changing.
"""

import asyncio
import contextlib
import dataclasses
import signal
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from tikv_operator.kube.client import Client
from tikv_operator.kube.controller import Controller
from tikv_operator.kube.endpoints import metrics_route, serve
from tikv_operator.kube.events import EventRecorder
from tikv_operator.kube.informer import Informer, InformerSettings, kind_informer
from tikv_operator.kube.leaderelection import LeaderElector, LeaseSettings, default_identity
from tikv_operator.kube.probes import Probes
from tikv_operator.kube.resources import ResourceKind

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ManagerOptions:
    # Namespaces to watch; None watches all of them.
    namespaces: Sequence[str] | None = None
    leader_election: bool = True
    lease: LeaseSettings = field(default_factory=lambda: LeaseSettings(namespace="default"))
    identity: str = field(default_factory=default_identity)
    metrics_address: str = ":8080"
    probe_address: str = ":8081"
    graceful_shutdown_timeout: float = 30.0
    informer: InformerSettings = field(default_factory=InformerSettings)


class Manager:
    def __init__(self, client: Client, options: ManagerOptions | None = None) -> None:
        self.client = client
        self.options = options or ManagerOptions()
        self.events = EventRecorder(client, instance=self.options.identity)
        self.probes = Probes()
        self.elector: LeaderElector | None = None
        if self.options.leader_election:
            lease = dataclasses.replace(self.options.lease, identity=self.options.identity)
            self.elector = LeaderElector(client, lease)
        self._informers: dict[tuple[ResourceKind, str | None], Informer] = {}
        self._controllers: list[Controller] = []
        self._stop = asyncio.Event()
        self.servers: list[asyncio.Server] = []
        self.probes.add_readiness("informers-synced", self._synced)
        self.probes.add_readiness("controllers", self._controllers_ready)

    def informer(self, kind: ResourceKind, *, label_selector: str | None = None) -> Informer:
        """The shared informer for kind (and selector); created on first request. Ask for
        informers before `run`: they start with the manager."""
        key = (kind, label_selector)
        if key not in self._informers:
            self._informers[key] = kind_informer(
                self.client,
                kind,
                namespaces=self.options.namespaces,
                label_selector=label_selector,
                settings=self.options.informer,
            )
        return self._informers[key]

    def add_controller(self, controller: Controller) -> None:
        self._controllers.append(controller)

    @property
    def is_leader(self) -> bool:
        return self.elector is None or self.elector.is_leader

    def stop(self) -> None:
        """Begin a graceful shutdown (what SIGTERM does)."""
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        self.servers = [
            await serve(self.options.metrics_address, {"/metrics": metrics_route}),
            await serve(self.options.probe_address, self.probes.routes()),
        ]
        background = [asyncio.create_task(self.events.run(), name="events")]
        background += [asyncio.create_task(i.run(), name=i.name) for i in self._informers.values()]
        try:
            if await self._until_stopped(self._wait_synced()) and await self._until_stopped(
                self._lead()
            ):
                await self._run_controllers()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            if self.elector is not None:
                await self.elector.release()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await self.events.flush()
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            for server in self.servers:
                server.close()
            log.info("manager stopped")

    async def _wait_synced(self) -> None:
        await asyncio.gather(*(i.wait_synced() for i in self._informers.values()))
        log.info("caches synced", informers=len(self._informers))

    async def _lead(self) -> None:
        if self.elector is not None:
            await self.elector.acquire()

    async def _until_stopped(self, work: Coroutine[Any, Any, None]) -> bool:
        """Run `work` unless a stop comes first; True when it completed."""
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return False
        task.result()
        return True

    async def _run_controllers(self) -> None:
        running = [asyncio.create_task(c.run(), name=c.name) for c in self._controllers]
        watched: set[asyncio.Future[Any]] = set(running)
        stopped = asyncio.ensure_future(self._stop.wait())
        holding = asyncio.ensure_future(self.elector.hold()) if self.elector else None
        if holding is not None:
            watched.add(holding)
        try:
            await asyncio.wait({*watched, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Stop intake and finish running reconciles before the lease is released, so
            # that a successor never reconciles alongside us.
            log.info("stopping controllers", grace=self.options.graceful_shutdown_timeout)
            await asyncio.gather(
                *(c.shutdown(self.options.graceful_shutdown_timeout) for c in self._controllers)
            )
            await asyncio.gather(*running, return_exceptions=True)
            stopped.cancel()
            if holding is not None and not holding.done():
                holding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await holding
        if holding is not None and holding.done() and not holding.cancelled():
            holding.result()  # raises LeadershipLost
        for task in running:
            if not task.cancelled():
                task.result()  # a controller that crashed takes the process down

    def _synced(self) -> bool:
        return all(i.synced for i in self._informers.values())

    def _controllers_ready(self) -> bool:
        return not self.is_leader or all(c.running for c in self._controllers)
