"""What one reconcile of a TiKV instance knows; filled by the load and pd-info tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from apis import Cluster, TiKV, labels
from apis.meta import Condition
from controllers.common.conditions import Status, find, set_condition
from controllers.common.deps import Deps
from controllers.common.keyed import Keyed
from controllers.common.objects import Object
from controllers.common.pdview import NO_PD, PDState, UsesPD
from tikv_operator.kube.events import EventType
from tikv_operator.pdapi.models import StoreInfo


class NotLoaded(Exception):
    """A task ran before the object it needs was loaded (a task-list ordering bug)."""


@dataclass
class Context(Keyed, UsesPD):
    deps: Deps
    key: str
    raw: Object | None = None
    tikv_: TiKV | None = None
    loaded_cluster: Cluster | None = None
    cluster_deleting: bool = False
    pod: Object | None = None
    siblings: list[TiKV] = field(default_factory=list)
    pd_state: PDState = NO_PD
    store: StoreInfo | None = None
    """The instance's store in PD's view (by advertise address), if it registered."""
    conditions: list[Condition] = field(default_factory=list)
    restart_pending: bool = False
    requeue_after: float | None = None

    @property
    def tikv(self) -> TiKV:
        if self.tikv_ is None:
            raise NotLoaded("TiKV")
        return self.tikv_

    @property
    def cluster(self) -> Cluster:
        if self.loaded_cluster is None:
            raise NotLoaded("Cluster")
        return self.loaded_cluster

    @property
    def deleting(self) -> bool:
        return self.tikv_ is not None and self.tikv_.metadata.deletion_timestamp is not None

    @property
    def group(self) -> str | None:
        return self.tikv.metadata.labels.get(labels.GROUP)

    @property
    def now(self) -> datetime:
        return self.deps.now()

    def requeue(self, seconds: float) -> None:
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds

    def condition(self, type_: str, status: Status, reason: str, message: str) -> None:
        self.conditions = set_condition(
            self.conditions,
            type_,
            status,
            reason,
            message,
            generation=self.tikv.metadata.generation,
            now=self.now,
        )

    def restart_condition(self, type_: str, status: Status, reason: str, message: str) -> None:
        """Set a condition as freshly begun: its lastTransitionTime becomes now even when the
        status stays the same (the start of a wait that is bounded by a timeout)."""
        self.conditions = [c for c in self.conditions if c.type != type_]
        self.condition(type_, status, reason, message)

    def event(self, type_: EventType, reason: str, action: str, note: str) -> None:
        if self.raw is not None:
            self.deps.events.record(self.raw, type_, reason, action, note)

    def condition_reason(self, type_: str) -> str | None:
        c = find(self.conditions, type_)
        return c.reason if c is not None else None

    def condition_since(self, type_: str, reason: str) -> datetime | None:
        c = find(self.conditions, type_)
        return c.last_transition_time if c is not None and c.reason == reason else None
