"""A TiKV rolling restart on real PD and the store stub: each store's leaders are moved away
by PD's own evict-leader scheduler before its Pod is deleted, so every region keeps a
leader on a running store; every store comes back on its own data (the same store id), and
no evict-leader scheduler is left (DESIGN §5 rules 5, 6, 9)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from tikv_operator.kube import resources

from .harness import TIKV_CONFIG, RealPD

pytestmark = pytest.mark.realpd

EVICTIONS = "/scheduler-config/evict-leader-scheduler/list"


def pod_state(pod: dict[str, Any] | None) -> str:
    if pod is None:
        return "missing"
    if pod["metadata"].get("deletionTimestamp"):
        return "terminating"
    containers = (pod.get("status") or {}).get("containerStatuses") or []
    return "serving" if containers and all(c.get("ready") for c in containers) else "starting"


def leader_store(region: dict[str, Any]) -> int | None:
    leader = region.get("leader") or {}
    return int(leader["store_id"]) if "store_id" in leader else None


@dataclass
class RollLog:
    """Per snapshot: the TiKV Pods, then PD's regions, then the stores under eviction. A
    stopped store gains no leaders, so leaders PD shows on a store whose Pod was already
    terminating or gone were led when it went down. A Pod still starting may hold leaders
    legitimately only once the eviction ended (the operator ends it when the Pod serves,
    and PD's answers come after the Pod was read), so it counts while its store is still
    under eviction."""

    realpd: RealPD
    uids: dict[str, set[str]] = field(default_factory=dict)
    led_while_down: list[str] = field(default_factory=list)
    evicted: set[int] = field(default_factory=set)

    async def record(self) -> None:
        while True:
            await self.snapshot()
            await asyncio.sleep(0.3)

    async def snapshot(self) -> None:
        names = await self.realpd.names(resources.TIKV)
        pods = await self.realpd.tikv_pods()
        stores = await self.realpd.pd.stores()
        regions = await self.realpd.pd.regions()
        evictions = await self.realpd.pd.get(EVICTIONS)
        if stores is None or regions is None:
            return
        evicting = {int(i) for i in (evictions or {}).get("store-id-ranges") or {}}
        self.evicted |= evicting
        ids = {s["store"]["address"]: int(s["store"]["id"]) for s in stores}
        for name, pod in pods.items():
            self.uids.setdefault(name, set()).add(pod["metadata"]["uid"])
        for name in names:
            state = pod_state(pods.get(name))
            store = ids.get(self.realpd.store_address(name))
            if state == "serving" or (state == "starting" and store not in evicting):
                continue
            led = [r["id"] for r in regions if store is not None and leader_store(r) == store]
            if led:
                self.led_while_down.append(f"{name} {state}: PD sees store {store} lead {led}")


async def test_tikv_rolling_restart_evicts_leaders_first_and_keeps_every_store(
    realpd: RealPD,
) -> None:
    realpd.apply()
    before = await realpd.wait_settled(3, 3)
    uids = {name: p["metadata"]["uid"] for name, p in (await realpd.tikv_pods()).items()}
    log = RollLog(realpd)
    poller = asyncio.create_task(log.record())
    try:
        config = TIKV_CONFIG + "\n[server]\ngrpc-concurrency = 2\n"
        patch = {"spec": {"template": {"spec": {"config": config}}}}
        await realpd.kube.patch(resources.TIKVGROUP, "basic", patch, realpd.namespace)

        async def rolled() -> bool:
            pods = await realpd.tikv_pods()
            return len(pods) == 3 and all(p["metadata"]["uid"] != uids[n] for n, p in pods.items())

        await realpd.eventually(rolled, "every TiKV Pod recreated", 360)
        after = await realpd.wait_settled(3, 3)
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    assert after == before, "a store came back as another store (its data was lost)"
    assert log.led_while_down == []
    assert log.evicted == set(before.values()), (
        "PD's evict-leader scheduler did not empty every store"
    )
    assert all(len(seen) == 2 for seen in log.uids.values()), log.uids
    for name in before:
        cm = await realpd.get(resources.CONFIGMAP, name)
        assert "grpc-concurrency = 2" in (cm or {}).get("data", {}).get("tikv.toml", "")
