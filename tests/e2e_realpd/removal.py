"""What a TiKV scale-in looked like, polled: the TiKV Pods and PVCs of the namespace, then
PD's stores. Reading the objects first makes the check sound: a Pod or PVC missing in a
snapshot whose later PD answer still shows its store not Tombstone was certainly removed
before Tombstone (Tombstone is final), DESIGN §5 rule 1."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tikv_operator.kube import resources

from .harness import TIKV_PODS, RealPD


@dataclass(frozen=True)
class Snapshot:
    pods: frozenset[str]
    pvcs: frozenset[str]
    states: dict[str, str]
    """PD's state name of the newest store at each address."""


@dataclass
class RemovalLog:
    realpd: RealPD
    snapshots: list[Snapshot] = field(default_factory=list)

    async def record(self) -> None:
        while True:
            snapshot = await self.snapshot()
            if snapshot is not None:
                self.snapshots.append(snapshot)
            await asyncio.sleep(0.3)

    async def snapshot(self) -> Snapshot | None:
        kube, ns = self.realpd.kube, self.realpd.namespace
        pods = await kube.list(resources.POD, ns, label_selector=TIKV_PODS)
        pvcs = await kube.list(resources.PVC, ns, label_selector=TIKV_PODS)
        stores = await self.realpd.pd.stores()
        if stores is None:
            return None
        # Oldest first, so the newest store at an address is the one its entry keeps.
        by_id = sorted(stores, key=lambda s: int(s["store"]["id"]))
        return Snapshot(
            pods=frozenset(p["metadata"]["name"] for p in pods.items),
            pvcs=frozenset(p["metadata"]["name"] for p in pvcs.items),
            states={s["store"]["address"]: s["store"]["state_name"] for s in by_id},
        )

    def states_of(self, instance: str) -> list[str]:
        """PD's states of the instance's store, in order, repeats dropped."""
        address = self.realpd.store_address(instance)
        seen: list[str] = []
        for s in self.snapshots:
            state = s.states.get(address)
            if state is not None and (not seen or seen[-1] != state):
                seen.append(state)
        return seen

    def removed_before_tombstone(self, instance: str) -> list[str]:
        """The instance's Pod or PVCs seen missing while PD still held its store short of
        Tombstone."""
        address = self.realpd.store_address(instance)
        out = []
        for i, s in enumerate(self.snapshots):
            state = s.states.get(address)
            if state is None or state == "Tombstone":
                continue
            if instance not in s.pods:
                out.append(f"snapshot {i}: Pod {instance} gone, store {state}")
            if f"data-{instance}" not in s.pvcs:
                out.append(f"snapshot {i}: PVC data-{instance} gone, store {state}")
        return out
