"""A cluster whose PD members are real pd-server processes, started from what the operator
generated, comes up as PD itself sees it."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from ..e2e.harness import condition
from .harness import RealPD

pytestmark = pytest.mark.realpd


async def test_three_pd_members_bootstrap_from_the_generated_config(realpd: RealPD) -> None:
    realpd.apply()
    names = await realpd.wait_pd(3)
    members = await realpd.pd.get("/members")
    assert sorted(m["name"] for m in members["members"]) == names
    assert members["leader"]["name"] in names
    cluster = await realpd.get(resources.CLUSTER)
    assert cluster is not None
    # No TiKV store yet: real PD is not bootstrapped, and the Cluster says it cannot serve.
    available = condition(cluster, "Available")
    assert available is not None and available["status"] == "False", available
    assert cluster["status"]["pd"] == f"http://basic-pd.{realpd.namespace}:2379"
    assert cluster["status"]["id"] == str(members["header"]["cluster_id"])
    for name in names:
        pd = await realpd.get(resources.PD, name)
        member = next(m for m in members["members"] if m["name"] == name)
        assert pd is not None and pd["status"]["id"] == str(member["member_id"])
        assert member["peer_urls"] == [f"http://{name}.basic-pd-peer.{realpd.namespace}:2380"]
