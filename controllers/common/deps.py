"""What every reconcile needs from the outside world, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tikv_operator.kube.cache import Reader
from tikv_operator.kube.client import Client
from tikv_operator.kube.events import EventRecorder
from tikv_operator.kube.resources import ResourceKind
from tikv_operator.pdapi import PDClient


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PDClients:
    """One PD client per cluster, reused across reconciles.

    The URL is the Cluster's PD client Service unless overridden (out-of-cluster runs reach
    PD through another address: `--pd-url-override NAMESPACE/CLUSTER=URL`).
    """

    overrides: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    _clients: dict[tuple[str, str], PDClient] = field(default_factory=dict)

    def url_for(self, namespace: str, cluster: str, service_url: str) -> str:
        return self.overrides.get(f"{namespace}/{cluster}", service_url)

    def get(self, namespace: str, cluster: str, service_url: str) -> PDClient:
        url = self.url_for(namespace, cluster, service_url)
        key = (f"{namespace}/{cluster}", url)
        if key not in self._clients:
            self._clients[key] = PDClient(
                url, cluster=f"{namespace}/{cluster}", timeout=self.timeout
            )
        return self._clients[key]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


@dataclass(frozen=True)
class ControllerSettings:
    """Knobs the composition root passes every controller (`tikv-operator run` flags)."""

    workers: int = 4
    """Concurrent reconciles per controller (--max-concurrent-reconciles)."""
    pd_poll_interval: float = 15.0
    """Seconds between polls of each cluster's PD (--pd-poll-interval)."""


@dataclass
class Deps:
    client: Client
    events: EventRecorder
    caches: Mapping[ResourceKind, Reader]
    pd: PDClients
    now: Callable[[], datetime] = utc_now
    settings: ControllerSettings = field(default_factory=ControllerSettings)

    def cache(self, kind: ResourceKind) -> Reader:
        return self.caches[kind]
