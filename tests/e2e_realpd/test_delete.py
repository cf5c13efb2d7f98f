"""Deleting the whole Cluster stops every pd-server and store stub and keeps the PVCs under
the Retain policy (DESIGN §5 rule 1's exception: nothing is offlined)."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from .harness import PD_PORT, RealPD, answering

pytestmark = pytest.mark.realpd

TIKV_STATUS_PORT = 20180


async def test_deleting_the_cluster_stops_pd_and_the_stores_and_keeps_the_pvcs(
    realpd: RealPD,
) -> None:
    realpd.apply()
    ids = await realpd.wait_settled(3, 3)
    names = await realpd.names(resources.PD)
    pd_addresses = await realpd.pd.addresses()
    tikv_addresses = [p["status"]["podIP"] for p in (await realpd.tikv_pods()).values()]
    assert len(pd_addresses) == 3
    assert len(await answering(tikv_addresses, TIKV_STATUS_PORT, "/status")) == 3
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
    assert await answering(pd_addresses, PD_PORT, "/pd/api/v1/health") == []
    assert await answering(tikv_addresses, TIKV_STATUS_PORT, "/status") == []
    pvcs = await realpd.names(resources.PVC)
    assert pvcs == sorted(f"data-{name}" for name in [*names, *ids])
