"""What every reconcile needs from the outside world, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tikv_operator.kube.cache import Reader
from tikv_operator.kube.client import Client
from tikv_operator.kube.events import EventRecorder
from tikv_operator.kube.resources import ResourceKind
from tikv_operator.pdapi.poller import Pollers


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ControllerSettings:
    """Knobs the composition root passes every controller (`tikv-operator run` flags)."""

    workers: int = 4
    """Concurrent reconciles per controller (--max-concurrent-reconciles)."""
    pd_url_overrides: Mapping[str, str] = field(default_factory=dict)
    """`NAMESPACE/CLUSTER` → PD URL, for an operator outside the Kubernetes cluster."""
    tikv_status_url_overrides: Mapping[str, str] = field(default_factory=dict)
    """`NAMESPACE/CLUSTER` → a URL under which each store's status API is reached as
    `<URL>/<status address>`, for an operator that cannot resolve the stores' DNS names."""
    resync: float = 300.0
    """Seconds between reconciles of a settled object. PD's changes arrive through the
    cluster's poller and Kubernetes changes through watches, so this is only a safety net."""


@dataclass
class Deps:
    client: Client
    events: EventRecorder
    caches: Mapping[ResourceKind, Reader]
    pd: Pollers = field(default_factory=Pollers)
    now: Callable[[], datetime] = utc_now
    settings: ControllerSettings = field(default_factory=ControllerSettings)

    def cache(self, kind: ResourceKind) -> Reader:
        return self.caches[kind]
