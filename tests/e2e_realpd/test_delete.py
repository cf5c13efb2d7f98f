"""Deleting the whole Cluster stops every pd-server and store stub and keeps the PVCs under
the Retain policy (DESIGN §5 rule 1's exception: nothing is offlined)."""

from __future__ import annotations

import httpx
import pytest

from tikv_operator.kube import resources

from .harness import RealPD

pytestmark = pytest.mark.realpd

TIKV_STATUS_PORT = 20180


async def answering_status(addresses: list[str]) -> list[str]:
    """Those of `addresses` where a store's status port still answers."""
    out = []
    async with httpx.AsyncClient(timeout=2) as client:
        for ip in addresses:
            try:
                await client.get(f"http://{ip}:{TIKV_STATUS_PORT}/status")
            except httpx.HTTPError:
                continue
            out.append(ip)
    return out


async def test_deleting_the_cluster_stops_pd_and_the_stores_and_keeps_the_pvcs(
    realpd: RealPD,
) -> None:
    realpd.apply()
    ids = await realpd.wait_settled(3, 3)
    names = await realpd.names(resources.PD)
    pd_addresses = await realpd.pd.addresses()
    tikv_addresses = [p["status"]["podIP"] for p in (await realpd.tikv_pods()).values()]
    assert len(pd_addresses) == 3
    assert len(await answering_status(tikv_addresses)) == 3
    assert len(realpd.containers()) >= 6
    realpd.kubectl("delete", "tc", "basic", "--wait=false")

    async def gone() -> bool:
        left = [
            *(await realpd.objects(resources.POD)),
            *(await realpd.objects(resources.PD)),
            *(await realpd.objects(resources.TIKV)),
            *(await realpd.objects(resources.PDGROUP)),
            *(await realpd.objects(resources.TIKVGROUP)),
            *(await realpd.objects(resources.CLUSTER)),
        ]
        return not left

    await realpd.eventually(gone, "the Cluster, its groups, instances and Pods deleted", 180)
    assert realpd.containers() == []
    assert await realpd.pd.answering(pd_addresses) == []
    assert await answering_status(tikv_addresses) == []
    pvcs = await realpd.names(resources.PVC)
    assert pvcs == sorted(f"data-{name}" for name in [*names, *ids])
