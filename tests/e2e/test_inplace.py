"""What changes in place, with the operator as a process: labels, storage and hot-reloaded
config reach every instance without recreating a Pod; a Restart config change rolls."""

from __future__ import annotations

import json

import pytest

from tikv_operator.kube import resources

from .harness import E2E, eventually

pytestmark = pytest.mark.e2e


async def pod_uids(e2e: E2E) -> dict[str, str]:
    pods = await e2e.list(resources.POD, "tikv.org/cluster=basic")
    return {p["metadata"]["name"]: p["metadata"]["uid"] for p in pods}


async def test_labels_storage_and_hot_reloaded_config_change_nothing_that_runs(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    before = await pod_uids(e2e)
    start = len(e2e.sim.events())

    await e2e.patch(
        resources.TIKVGROUP,
        {
            "spec": {
                "template": {
                    "metadata": {"labels": {"team": "storage"}},
                    "spec": {
                        "updateStrategy": {"config": "HotReload"},
                        "config": "[raftstore]\nraft-log-gc-threshold = 100\n",
                        "volumes": [
                            {"name": "data", "mounts": [{"type": "data"}], "storage": "200Gi"}
                        ],
                    },
                }
            }
        },
    )
    await e2e.patch(
        resources.PDGROUP,
        {
            "spec": {
                "template": {
                    "spec": {
                        "updateStrategy": {"config": "HotReload"},
                        "config": "[schedule]\nleader-schedule-limit = 8\n",
                    }
                }
            }
        },
    )

    async def applied() -> bool:
        tikv_pods = await e2e.list(resources.POD, "app.kubernetes.io/component=tikv")
        pvcs = await e2e.list(resources.PVC, "app.kubernetes.io/component=tikv")
        events = e2e.sim.events()[start:]
        return (
            all(p["metadata"]["labels"].get("team") == "storage" for p in tikv_pods)
            and all(p["spec"]["resources"]["requests"]["storage"] == "200Gi" for p in pvcs)
            and sum(e["kind"] == "tikv-config-set" for e in events) == 3
            and any(e["kind"] == "pd-config-set" for e in events)
        )

    try:
        await eventually(applied, "labels, storage and config applied in place", 240)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{e2e.diagnostics()}") from None
    assert await pod_uids(e2e) == before, "an in-place change recreated a Pod"
    events = e2e.sim.events()[start:]
    tikv_set = [json.loads(e["detail"]) for e in events if e["kind"] == "tikv-config-set"]
    assert all(items == {"raftstore.raft-log-gc-threshold": "100"} for items in tikv_set)
    pd_set = [json.loads(e["detail"]) for e in events if e["kind"] == "pd-config-set"]
    assert {"schedule.leader-schedule-limit": 8} in pd_set
    assert not [e for e in events if e["kind"] in ("store-stopped", "member-unhealthy")]
    configmaps = await e2e.list(resources.CONFIGMAP, "app.kubernetes.io/component=tikv")
    assert all("raft-log-gc-threshold = 100" in str(c["data"]) for c in configmaps)


async def test_a_restart_config_change_rolls_every_store(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    before = await pod_uids(e2e)
    tikvs = {n for n in before if "-tikv-" in n}
    config = {
        "spec": {"template": {"spec": {"config": "[raftstore]\nraft-log-gc-threshold = 100\n"}}}
    }
    await e2e.patch(resources.TIKVGROUP, config)

    async def rolled() -> bool:
        now = await pod_uids(e2e)
        return all(n in now and now[n] != before[n] for n in tikvs)

    await eventually(rolled, "every TiKV Pod recreated", 240)
    now = await pod_uids(e2e)
    assert all(now[n] == before[n] for n in before if n not in tikvs), "a PD Pod restarted"
