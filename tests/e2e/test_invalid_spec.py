"""A spec the API server admits but the operator cannot honour (rule 14): the object says
why and nothing of it is created, its siblings go on, and fixing it lets it proceed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from tikv_operator.kube import resources

from .harness import E2E, condition, eventually, is_true

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic"
MANAGED_KEY = 'server.addr = "0.0.0.0:20161"\n'


async def test_a_managed_config_key_blocks_only_its_group_until_fixed(e2e: E2E) -> None:
    for path in sorted(EXAMPLE.glob("*.yaml")):
        obj = yaml.safe_load(path.read_text())
        if obj["kind"] == "TiKVGroup":
            obj["spec"]["template"]["spec"]["config"] = MANAGED_KEY
        path_out = e2e.workdir / path.name
        path_out.write_text(yaml.safe_dump(obj))
        e2e.kubectl("apply", "-f", str(path_out))

    async def refused() -> bool:
        blocked = condition(await e2e.get(resources.TIKVGROUP), "Blocked")
        return blocked is not None and blocked["reason"] == "InvalidSpec"

    await eventually(refused, "TiKVGroup Blocked with InvalidSpec", 60)
    blocked = condition(await e2e.get(resources.TIKVGROUP), "Blocked")
    assert blocked is not None and "spec.template.spec.config" in blocked["message"]
    assert "server.addr" in blocked["message"]

    async def pd_ready() -> bool:
        return is_true(await e2e.get(resources.PDGROUP), "Ready")

    await eventually(pd_ready, "the PDGroup goes on beside the refused TiKVGroup", 120)
    await asyncio.sleep(3)  # more reconciles of the refused group pass
    assert await e2e.names(resources.TIKV) == [], "a refused group created instances"
    warnings = [
        e
        for e in await e2e.events_about("TiKVGroup")
        if e.get("reason") == "InvalidSpec" and e.get("type") == "Warning"
    ]
    assert len(warnings) == 1, f"want one Warning event, got {warnings}"
    synced = condition(await e2e.get(resources.CLUSTER), "Synced")
    assert synced is not None and synced["reason"] == "InvalidSpec"
    assert "TiKVGroup basic" in synced["message"]

    fix = {"spec": {"template": {"spec": {"config": ""}}}}
    await e2e.patch(resources.TIKVGROUP, fix)
    await e2e.wait_ready()


async def test_a_downgrade_is_refused_until_the_group_opts_in(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    pods = {p["metadata"]["uid"] for p in await e2e.list(resources.POD, "tikv.org/cluster=basic")}
    await e2e.patch(resources.TIKVGROUP, {"spec": {"template": {"spec": {"version": "v7.5.0"}}}})

    async def blocked_by(reason: str) -> dict[str, str] | None:
        c = condition(await e2e.get(resources.TIKVGROUP), "Blocked")
        return c if c is not None and c["status"] == "True" and c["reason"] == reason else None

    refusal = await eventually(lambda: blocked_by("InvalidSpec"), "the downgrade refused", 60)
    assert "tikv.org/allow-downgrade=v7.5.0" in refusal["message"]
    await asyncio.sleep(3)  # more reconciles of the refused group pass
    now = {p["metadata"]["uid"] for p in await e2e.list(resources.POD, "tikv.org/cluster=basic")}
    assert now == pods, "a refused downgrade touched a Pod"
    assert {t["spec"]["version"] for t in await e2e.list(resources.TIKV)} == {"v8.5.1"}
    warnings = [e for e in await e2e.events_about("TiKVGroup") if e.get("reason") == "InvalidSpec"]
    assert len(warnings) == 1, warnings

    # Opting in lifts the refusal; TiKV then waits for PD to run that version first.
    opt_in = {"metadata": {"annotations": {"tikv.org/allow-downgrade": "v7.5.0"}}}
    await e2e.patch(resources.TIKVGROUP, opt_in)
    await eventually(lambda: blocked_by("PDNotUpgraded"), "the downgrade let through", 60)


async def test_a_typo_in_the_pod_overlay_is_refused_not_dropped(e2e: E2E) -> None:
    typo = {"pod": {"spec": {"nodeSelectr": {"disk": "ssd"}}}}
    e2e.apply_basic({"template": {"spec": {"overlay": typo}}})

    async def refused() -> list[dict[str, str]] | None:
        tikvs = await e2e.list(resources.TIKV)
        blocked = [condition(t, "Blocked") for t in tikvs]
        ok = len(tikvs) == 3 and all(b and b["reason"] == "InvalidSpec" for b in blocked)
        return [b for b in blocked if b] if ok else None

    blocked = await eventually(refused, "every TiKV instance refused with InvalidSpec", 120)
    assert all('unknown field "spec.nodeSelectr"' in b["message"] for b in blocked), blocked
    await asyncio.sleep(3)  # more reconciles pass
    assert await e2e.list(resources.POD, "app.kubernetes.io/component=tikv") == []
    warnings = [
        e
        for e in await e2e.list(resources.EVENT)
        if e.get("reason") == "InvalidSpec" and e.get("regarding", {}).get("kind") == "TiKV"
    ]
    assert len(warnings) == 3, warnings

    fixed = {"pod": {"spec": {"nodeSelectr": None, "nodeSelector": {"type": "kwok"}}}}
    await e2e.patch(resources.TIKVGROUP, {"spec": {"template": {"spec": {"overlay": fixed}}}})
    await e2e.wait_ready()
