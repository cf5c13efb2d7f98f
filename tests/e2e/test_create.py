"""Creating examples/basic gives a working cluster, built the way DESIGN §3 says."""

from __future__ import annotations

from typing import Any

import pytest

from tikv_operator.kube import resources

from .harness import CLUSTER, E2E, is_true

pytestmark = pytest.mark.e2e

MANAGED = {
    "app.kubernetes.io/managed-by": "tikv-operator",
    "app.kubernetes.io/name": "tikv",
    "app.kubernetes.io/instance": CLUSTER,
    "tikv.org/cluster": CLUSTER,
    "tikv.org/group": CLUSTER,
}
OWNER_KINDS = {"pd": "PD", "tikv": "TiKV"}


def label_problems(obj: dict[str, Any]) -> list[str]:
    meta = obj["metadata"]
    labels = meta.get("labels") or {}
    where = f"{obj.get('kind', '?')} {meta['name']}"
    problems = [f"{where}: label {k}={labels.get(k)!r}, want {v!r}" for k, v in MANAGED.items()
                if labels.get(k) != v]  # fmt: skip
    component = labels.get("app.kubernetes.io/component")
    if component not in OWNER_KINDS:
        return [*problems, f"{where}: component label {component!r}"]
    instance = labels.get("tikv.org/instance")
    if not instance:
        problems.append(f"{where}: no tikv.org/instance label")
    owners = [r for r in meta.get("ownerReferences") or () if r.get("controller")]
    want = ("core.tikv.org/v1alpha1", OWNER_KINDS[component], instance)
    got = [(r.get("apiVersion"), r.get("kind"), r.get("name")) for r in owners]
    if got != [want]:
        problems.append(f"{where}: controller owner {got}, want {[want]}")
    return problems


async def test_basic_cluster_becomes_ready_and_available(e2e: E2E) -> None:
    e2e.apply_basic()
    cluster = await e2e.wait_ready()
    assert cluster["status"]["pd"] == f"http://basic-pd.{e2e.namespace}:2379"
    members = e2e.sim.pd("/members")
    assert cluster["status"]["id"] == str(members["header"]["cluster_id"])
    assert sorted(e2e.sim.member_names()) == await e2e.names(resources.PD)
    for kind in (resources.PD, resources.TIKV, resources.PDGROUP, resources.TIKVGROUP):
        for obj in await e2e.list(kind):
            assert is_true(obj, "Ready"), f"{kind.kind} {obj['metadata']['name']} not Ready"
    components = {c["kind"]: c for c in cluster["status"]["components"]}
    assert components["PD"]["readyReplicas"] == 3
    assert components["TiKV"]["readyReplicas"] == 3


async def test_every_pod_pvc_and_configmap_carries_the_labels_and_owner(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    problems: list[str] = []
    objects = []
    for kind in (resources.POD, resources.PVC, resources.CONFIGMAP):
        found = await e2e.list(kind, "tikv.org/cluster=basic")
        assert len(found) >= 6, f"expected a {kind.kind} per instance, found {len(found)}"
        for obj in found:
            obj.setdefault("kind", kind.kind)
            objects.append(obj)
    for obj in objects:
        problems += label_problems(obj)
    for pod in await e2e.list(resources.POD, "tikv.org/cluster=basic"):
        if not pod["metadata"]["labels"].get("tikv.org/instance-revision-hash"):
            problems.append(f"Pod {pod['metadata']['name']}: no instance-revision-hash label")
    assert problems == []


async def test_bootstrap_pd_members_carry_initial_cluster(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    pds = await e2e.names(resources.PD)
    for name in pds:
        cm = await e2e.get(resources.CONFIGMAP, name)
        assert cm is not None, f"no ConfigMap for PD {name}"
        config = "\n".join(cm.get("data", {}).values())
        assert "initial-cluster" in config, f"PD {name} config has no initial-cluster"
        assert all(other in config for other in pds), f"PD {name} does not list every member"
