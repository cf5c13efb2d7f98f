"""The consistency check (DESIGN §9): does PD agree with the instances the operator manages?

Differences here are not necessarily unsafe (an instance just created has no member yet);
they are reported in the Cluster's Consistent condition for humans and for
`tikv-operator check`. The unsafe ones also engage the safety brake (see brake.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apis import PD, TiKV
from controllers.cluster.brake import Instances, detect_brake
from controllers.cluster.pdinfo import PDInfo
from controllers.common.updater import Hold


@dataclass(frozen=True)
class InstanceIds:
    """The PD ids recorded in instance status: member id by PD name, store id by TiKV name."""

    pd_members: Mapping[str, str | None]
    tikv_stores: Mapping[str, str | None]


def find_differences(pd: PDInfo, instances: Instances, ids: InstanceIds) -> list[str]:
    """Human-readable differences, sorted; empty when PD and the instances agree."""
    found: list[str] = []
    for name in sorted(set(pd.members) - set(instances.pd_names)):
        found.append(f"PD member {name} has no PD instance")
    for name, member_id in sorted(ids.pd_members.items()):
        if member_id is not None and name not in pd.members:
            found.append(f"PD instance {name} (member {member_id}) is not a PD member")
    by_address = {s.address: s for s in pd.live_stores}
    owned_ids = set()
    for address, name in sorted(instances.tikv_addresses.items()):
        store = by_address.get(address)
        recorded = ids.tikv_stores.get(name)
        if store is not None:
            owned_ids.add(store.id)
        elif recorded is not None and not _tombstoned(pd, recorded):
            found.append(f"TiKV instance {name} (store {recorded}) has no store in PD")
    for store in pd.live_stores:
        if store.id not in owned_ids:
            found.append(f"store {store.id} at {store.address} has no TiKV instance")
    for store_id in sorted(pd.evict_leader_stores - owned_ids):
        found.append(f"evict-leader scheduler left for store {store_id}, which no instance owns")
    return found


def _tombstoned(pd: PDInfo, store_id: str) -> bool:
    return any(str(s.id) == store_id and s.tombstone for s in pd.stores)


def tombstones(pd: PDInfo) -> list[int]:
    """Tombstone store records PD still keeps (removable with remove-tombstone)."""
    return sorted(s.id for s in pd.stores if s.tombstone)


@dataclass(frozen=True)
class Findings:
    """What comparing PD with the cluster's objects found: the Consistent condition and
    `tikv-operator check` both report exactly this."""

    differences: list[str]
    tombstones: list[int]
    brake: Hold | None
    """The unsafe state the safety brake engages on, if any."""

    @property
    def consistent(self) -> bool:
        return not self.differences and self.brake is None


def instance_ids(pds: Sequence[PD], tikvs: Sequence[TiKV]) -> InstanceIds:
    return InstanceIds(
        pd_members={str(p.metadata.name): p.status.id for p in pds},
        tikv_stores={str(t.metadata.name): t.status.id for t in tikvs},
    )


def examine(
    pd: PDInfo, instances: Instances, ids: InstanceIds, recorded_id: str | None
) -> Findings:
    return Findings(
        differences=find_differences(pd, instances, ids),
        tombstones=tombstones(pd),
        brake=detect_brake(recorded_id, pd, instances),
    )
