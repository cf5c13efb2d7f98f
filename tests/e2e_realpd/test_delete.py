"""Deleting the whole Cluster stops every pd-server and keeps the PVCs under the Retain
policy (DESIGN §5 rule 1's exception)."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from .harness import RealPD

pytestmark = pytest.mark.realpd


async def test_deleting_the_cluster_stops_pd_and_keeps_the_pvcs(realpd: RealPD) -> None:
    realpd.apply()
    names = await realpd.wait_pd(3)
    addresses = await realpd.pd.addresses()
    assert len(addresses) == 3
    realpd.kubectl("delete", "tc", "basic", "--wait=false")

    async def gone() -> bool:
        left = [
            *(await realpd.objects(resources.POD)),
            *(await realpd.objects(resources.PD)),
            *(await realpd.objects(resources.PDGROUP)),
            *(await realpd.objects(resources.CLUSTER)),
        ]
        return not left

    await realpd.eventually(gone, "the Cluster, its groups, instances and Pods deleted", 180)
    assert await realpd.pd.answering(addresses) == []
    pvcs = await realpd.names(resources.PVC)
    assert pvcs == sorted(f"data-{name}" for name in names)
