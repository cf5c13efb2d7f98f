"""What one reconcile of a TiKVGroup knows; filled by the load task."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from apis import Cluster, TiKV, TiKVGroup, labels
from apis import conditions as cond
from apis.meta import Condition
from controllers.common.conditions import Status, find, is_true, set_condition
from controllers.common.deps import Deps
from controllers.common.keyed import Keyed
from controllers.common.objects import Object
from controllers.common.pdview import NO_PD, PDState, UsesPD
from controllers.tikvgroup.decisions import Instance
from tikv_operator.kube.events import EventType


@dataclass
class Blocked:
    reason: str
    message: str


@dataclass
class Context(Keyed, UsesPD):
    deps: Deps
    key: str
    raw: Object | None = None
    group_: TiKVGroup | None = None
    loaded_cluster: Cluster | None = None
    cluster_deleting: bool = False
    instances: list[TiKV] = field(default_factory=list)
    pd_state: PDState = NO_PD
    revision: str = ""
    blocked: Blocked | None = None
    conditions: list[Condition] = field(default_factory=list)
    requeue_after: float | None = None

    @property
    def group(self) -> TiKVGroup:
        assert self.group_ is not None, "the load task runs first"
        return self.group_

    @property
    def cluster(self) -> Cluster:
        assert self.loaded_cluster is not None, "the load task runs first"
        return self.loaded_cluster

    @property
    def deleting(self) -> bool:
        return self.group_ is not None and self.group_.metadata.deletion_timestamp is not None

    @property
    def now(self) -> datetime:
        return self.deps.now()

    def instance(self, name: str) -> TiKV:
        return next(i for i in self.instances if i.metadata.name == name)

    def facts(self) -> list[Instance]:
        return [instance_facts(i) for i in self.instances]

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
            generation=self.group.metadata.generation,
            now=self.now,
        )

    def event(self, type_: EventType, reason: str, action: str, note: str) -> None:
        if self.raw is not None:
            self.deps.events.record(self.raw, type_, reason, action, note)

    def block(self, reason: str, message: str) -> None:
        self.blocked = Blocked(reason, message)


def instance_facts(tikv: TiKV) -> Instance:
    conditions = tikv.status.conditions
    synced = find(conditions, cond.SYNCED)
    return Instance(
        name=str(tikv.metadata.name),
        revision=tikv.metadata.labels.get(labels.INSTANCE_REVISION_HASH),
        version=tikv.spec.version,
        ready=is_true(conditions, cond.READY),
        synced=synced is not None
        and synced.status == "True"
        and synced.observed_generation == tikv.metadata.generation,
        deleting=tikv.metadata.deletion_timestamp is not None,
        offline=tikv.spec.offline,
        offlined=is_true(conditions, cond.OFFLINED),
        state_name=tikv.status.state_name,
        topology=dict(tikv.spec.topology),
        created=tikv.metadata.creation_timestamp,
    )
