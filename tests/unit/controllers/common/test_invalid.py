"""A spec the operator cannot honour is refused loudly and changes nothing (rule 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apis import TiKVGroup
from controllers.common.deps import Deps
from controllers.common.invalid import INVALID_SPEC
from controllers.common.runner import Wait
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.tasks.load import load
from controllers.tikvgroup.tasks.update import pd_groups_of_cluster
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Store

from .fakes import FakeClient, FakeEvents

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def tikv_group(config: str, name: str = "basic", **status: Any) -> dict[str, Any]:
    template = {
        "version": "v8.5.1",
        "config": config,
        "volumes": [{"name": "data", "mounts": [{"type": "data"}], "storage": "10Gi"}],
    }
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "TiKVGroup",
        "metadata": {"name": name, "namespace": "ns", "uid": f"{name}-uid", "generation": 2},
        "spec": {"cluster": {"name": "basic"}, "replicas": 3, "template": {"spec": template}},
        "status": status,
    }


def context(raw: dict[str, Any]) -> tuple[Context, FakeClient, FakeEvents]:
    client, events = FakeClient(), FakeEvents()
    store = Store()
    store.upsert(raw)
    caches = {resources.TIKVGROUP: store, resources.TIKV: Store()}
    deps = Deps(client, events, caches, now=lambda: NOW)  # type: ignore[arg-type]
    return Context(deps, "ns/basic"), client, events


async def test_a_managed_key_in_config_blocks_the_group_with_the_field_and_one_event() -> None:
    ctx, client, events = context(tikv_group('server.addr = "0.0.0.0:1"\n'))
    result = await load(ctx)
    assert isinstance(result, Wait) and "config" in result.reason
    assert ctx.loaded is None, "nothing past the load runs on a spec that cannot be honoured"
    (call,) = [c for c in client.calls if c.verb == "patch/status"]
    (blocked,) = call.body["status"]["conditions"]
    assert (blocked["type"], blocked["status"], blocked["reason"]) == (
        "Blocked",
        "True",
        INVALID_SPEC,
    )
    assert "spec.template.spec.config" in blocked["message"] and "server.addr" in blocked["message"]
    assert events.reasons() == [INVALID_SPEC]
    assert [c for c in client.calls if c.verb != "patch/status"] == []


async def test_the_same_refusal_is_not_written_or_announced_twice() -> None:
    first, client, _ = context(tikv_group("not toml ["))
    await load(first)
    written = client.calls[0].body["status"]
    again, client, events = context(tikv_group("not toml [", **written))
    assert isinstance(await load(again), Wait)
    assert client.calls == [] and events.recorded == []


def test_an_unreadable_pd_group_holds_its_cluster_s_upgrade_and_no_other_cluster() -> None:
    pd_groups = Store()
    other = {"metadata": {"name": "x", "namespace": "ns"}, "spec": {"cluster": {"name": "x"}}}
    bad = {
        "metadata": {"name": "basic", "namespace": "ns"},
        "spec": {"cluster": {"name": "basic"}, "template": {"spec": {"version": "v9"}}},
        "status": {"version": "v8.5.1"},
    }
    pd_groups.upsert(other)
    pd_groups.upsert(bad)
    ctx, _, _ = context(tikv_group(""))
    ctx.deps.caches = {**ctx.deps.caches, resources.PDGROUP: pd_groups}
    ctx.loaded = TiKVGroup.model_validate(tikv_group(""))
    (version,) = pd_groups_of_cluster(ctx)
    assert (version.name, version.target, version.running) == ("basic", "v9", "v8.5.1")
