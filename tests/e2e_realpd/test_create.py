"""examples/basic (3 PD + 3 TiKV) comes up as PD itself sees it: real pd-server members
started from what the operator generated, and stores (the store stub) registered at the
names the operator advertises, from its tikv.toml, with their data in the PVCs."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from ..e2e.harness import is_true
from .harness import RealPD

pytestmark = pytest.mark.realpd


async def test_examples_basic_is_ready_and_available_in_pds_own_view(realpd: RealPD) -> None:
    realpd.apply()
    store_ids = await realpd.wait_settled(3, 3)
    names = await realpd.names(resources.PD)

    members = await realpd.pd.get("/members")
    assert sorted(m["name"] for m in members["members"]) == names
    for name in names:
        pd = await realpd.get(resources.PD, name)
        member = next(m for m in members["members"] if m["name"] == name)
        assert pd is not None and pd["status"]["id"] == str(member["member_id"])
        assert member["peer_urls"] == [f"http://{name}.basic-pd-peer.{realpd.namespace}:2380"]
    cluster = await realpd.get(resources.CLUSTER)
    assert cluster is not None
    assert cluster["status"]["pd"] == f"http://basic-pd.{realpd.namespace}:2379"
    assert cluster["status"]["id"] == str(members["header"]["cluster_id"])

    stores = {s["store"]["id"]: s["store"] for s in await realpd.pd.stores() or ()}
    assert sorted(stores) == sorted(store_ids.values())
    for name, store_id in store_ids.items():
        store = stores[store_id]
        tikv = await realpd.get(resources.TIKV, name)
        assert tikv is not None and tikv["status"]["id"] == str(store_id)
        assert is_true(tikv, "Ready"), tikv["status"]
        # The version is the image tag's (the stub reports what the process node tells it).
        assert store["version"] == "8.5.1"
        assert store["status_address"] == f"{realpd.store_address(name).rsplit(':')[0]}:20180"
    assert await realpd.pd.get("/schedulers") is not None
    assert await realpd.pd.evict_leader_schedulers() == []
