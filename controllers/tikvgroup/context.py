"""What one reconcile of a TiKVGroup knows; filled by the load task."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from apis import TiKV, TiKVGroup, labels
from apis import conditions as cond
from apis.common import FailoverRecord
from apis.types import parse_duration
from controllers.common import leaders
from controllers.common.conditions import available_in, find, is_true
from controllers.common.context import GroupContext
from controllers.common.stores import advertise_address, find_store
from controllers.tikvgroup.decisions import Instance
from tikv_operator.kube import resources
from tikv_operator.pdapi.poller import Snapshot


@dataclass
class Context(GroupContext[TiKVGroup, TiKV]):
    KIND = resources.TIKVGROUP

    failover: list[FailoverRecord] = field(default_factory=list)
    """The group's failover records as this reconcile leaves them (status.failover)."""

    def instance(self, name: str) -> TiKV:
        return next(i for i in self.instances if i.metadata.name == name)

    def facts(self) -> list[Instance]:
        min_ready = self.group.spec.min_ready_seconds
        return [instance_facts(i, min_ready, self.now, self.view) for i in self.instances]

    def requeue_for_min_ready(self) -> None:
        conditions = [i.status.conditions for i in self.instances]
        self.requeue_until_available(conditions, self.group.spec.min_ready_seconds)


def instance_facts(
    tikv: TiKV, min_ready_seconds: int, now: datetime, view: Snapshot | None = None
) -> Instance:
    """What the group's decisions know of one instance. It counts as Ready only once it has
    been Ready for `min_ready_seconds` (the group's minReadySeconds) at `now`. PD's view of its
    store, where there is one, wins over its status: the instance's status is written after
    its PD calls, so it can lag behind PD by a moment."""
    conditions = tikv.status.conditions
    synced = find(conditions, cond.SYNCED)
    eviction = find(conditions, cond.LEADERS_EVICTED)
    offlined = find(conditions, cond.OFFLINED)
    store = None
    in_evict_list = False
    if view is not None:
        store = find_store(view.live_stores, advertise_address(tikv))
        in_evict_list = store is not None and store.store.id in view.evict_leader_stores
    return Instance(
        name=str(tikv.metadata.name),
        revision=tikv.metadata.labels.get(labels.INSTANCE_REVISION_HASH),
        version=tikv.spec.version,
        ready=available_in(conditions, min_ready_seconds, now) == 0,
        broken=tikv.status.observed_generation == tikv.metadata.generation
        and not is_true(conditions, cond.READY),
        synced=synced is not None
        and synced.status == "True"
        and synced.observed_generation == tikv.metadata.generation,
        deleting=tikv.metadata.deletion_timestamp is not None,
        offline=tikv.spec.offline,
        offlined=is_true(conditions, cond.OFFLINED),
        removal_refused=offlined.message
        if offlined is not None
        and offlined.status == "False"
        and offlined.reason == cond.STORES_NOT_ENOUGH
        else "",
        state_name=tikv.status.state_name,
        topology=dict(tikv.spec.topology),
        created=tikv.metadata.creation_timestamp,
        evicting=in_evict_list or leaders.evicting(eviction),
        leaders_returning=leaders.leaders_returning(
            eviction,
            store.status.leader_count if store else tikv.status.leader_count,
            store.status.region_count if store else tikv.status.region_count,
            now,
            parse_duration(tikv.spec.evict_leader_timeout),
        ),
    )
