"""Changes that reach running PD members in place, against the real control plane and the PD
simulator (the harness of test_pd_controllers): a hot-reloaded config through PD's config
API, and template labels on the Pods."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apis.pd import PD
from controllers.common.hotreload import EVENT_HOT_RELOADED
from tests.integration.test_pd_controllers import (
    CLUSTER,
    Harness,
    create_cluster,
    eventually,
    harness,
    pd_pods,
    updated,
)
from tests.pd_fixtures import live_simulator
from tikv_operator.kube import resources

__all__ = ["harness", "live_simulator"]

pytestmark = pytest.mark.integration

CONFIG = "[schedule]\nleader-schedule-limit = 4\n"


async def create(h: Harness, *, config: str = "", strategy: str = "Restart") -> list[PD]:
    await create_cluster(h, 3, {"config": config, "updateStrategy": {"config": strategy}})
    await eventually(lambda: h.settled(3))
    return await h.pds()


async def patch_template(h: Harness, template: dict[str, Any]) -> None:
    patch = {"spec": {"template": template}}
    await h.client.patch(resources.PDGROUP, CLUSTER, patch, h.namespace)


async def uids(h: Harness) -> dict[str, str]:
    return {p["metadata"]["name"]: p["metadata"]["uid"] for p in await pd_pods(h)}


async def test_a_hot_reloaded_config_goes_to_pds_config_api(harness: Harness) -> None:
    h = harness
    pds = await create(h, config=CONFIG, strategy="HotReload")
    before = await uids(h)

    await patch_template(h, {"spec": {"config": CONFIG.replace("4", "8")}})

    def posted() -> list[dict[str, Any]]:
        return [json.loads(e.detail) for e in h.pd.events if e.kind == "pd-config-set"]

    async def reloaded() -> bool:
        return {"schedule.leader-schedule-limit": 8} in posted()

    await eventually(reloaded)
    await eventually(lambda: updated(h, "v8.5.1"))
    assert all(p == {"schedule.leader-schedule-limit": 8} for p in posted())
    assert h.pd.config_items["schedule.leader-schedule-limit"] == 8
    for pd in pds:
        assert "leader-schedule-limit = 8" in await h.configmap(str(pd.metadata.name))
    assert await uids(h) == before

    async def reported() -> bool:
        events = (await h.client.list(resources.EVENT, h.namespace)).items
        return any(e.get("reason") == EVENT_HOT_RELOADED for e in events)

    await eventually(reported)


async def test_template_labels_reach_the_pd_pods_without_a_restart(harness: Harness) -> None:
    h = harness
    await create(h)
    before = await uids(h)

    await patch_template(h, {"metadata": {"labels": {"team": "pd"}}})

    async def labelled() -> bool:
        pods = await pd_pods(h)
        return len(pods) == 3 and all(p["metadata"]["labels"].get("team") == "pd" for p in pods)

    await eventually(labelled)
    await eventually(lambda: updated(h, "v8.5.1"))
    assert await uids(h) == before
    assert not [e for e in h.member_events() if e[0] == "member-unhealthy"]
