"""What one reconcile of a TiKVGroup knows; filled by the load task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apis import TiKV, TiKVGroup, labels
from apis import conditions as cond
from controllers.common.conditions import available_in, find, is_true
from controllers.common.context import GroupContext
from controllers.tikvgroup.decisions import Instance
from tikv_operator.kube import resources


@dataclass
class Context(GroupContext[TiKVGroup, TiKV]):
    KIND = resources.TIKVGROUP

    def instance(self, name: str) -> TiKV:
        return next(i for i in self.instances if i.metadata.name == name)

    def facts(self) -> list[Instance]:
        min_ready = self.group.spec.min_ready_seconds
        return [instance_facts(i, min_ready, self.now) for i in self.instances]

    def requeue_for_min_ready(self) -> None:
        conditions = [i.status.conditions for i in self.instances]
        self.requeue_until_available(conditions, self.group.spec.min_ready_seconds)


def instance_facts(tikv: TiKV, min_ready_seconds: int, now: datetime) -> Instance:
    """What the group's decisions know of one instance. It counts as Ready only once it has
    been Ready for `min_ready_seconds` (the group's minReadySeconds) at `now`."""
    conditions = tikv.status.conditions
    synced = find(conditions, cond.SYNCED)
    return Instance(
        name=str(tikv.metadata.name),
        revision=tikv.metadata.labels.get(labels.INSTANCE_REVISION_HASH),
        version=tikv.spec.version,
        ready=available_in(conditions, min_ready_seconds, now) == 0,
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
