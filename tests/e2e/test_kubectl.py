"""What SREs type: `kubectl wait` on the Cluster and `kubectl scale` through the groups'
scale subresource."""

from __future__ import annotations

import asyncio

import pytest

from tikv_operator.kube import resources

from .harness import CLUSTER, E2E, eventually

pytestmark = pytest.mark.e2e


async def test_kubectl_wait_returns_once_ready_and_kubectl_scale_scales(e2e: E2E) -> None:
    e2e.apply_basic()
    waited = await asyncio.to_thread(
        e2e.kubectl, "wait", "--for=condition=Ready", f"tc/{CLUSTER}", "--timeout=180s"
    )
    assert "condition met" in waited
    cluster = await e2e.get(resources.CLUSTER)
    assert cluster is not None
    ready = [c for c in cluster["status"]["conditions"] if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "True"
    # Every kind has a Ready condition kubectl can wait on.
    for target in (f"pdg/{CLUSTER}", f"kvg/{CLUSTER}", "pd --all", "tikv --all"):
        waited = await asyncio.to_thread(
            e2e.kubectl, "wait", "--for=condition=Ready", *target.split(), "--timeout=120s"
        )
        assert "condition met" in waited, target

    scaled = e2e.kubectl("scale", f"kvg/{CLUSTER}", "--replicas=4")
    assert "scaled" in scaled
    group = await e2e.get(resources.TIKVGROUP)
    assert group is not None and group["spec"]["replicas"] == 4
    await e2e.wait_ready(tikv=4)
    shown = e2e.kubectl("get", f"kvg/{CLUSTER}", "-o", "jsonpath={.status.replicas}")
    assert shown == "4"


async def test_kubectl_get_says_why_a_group_is_blocked(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    # Three stores and max-replicas 3: a scale-in to 2 is refused (rule 2).
    e2e.kubectl("scale", f"kvg/{CLUSTER}", "--replicas=2")

    async def shown() -> str | None:
        table = e2e.kubectl("get", f"kvg/{CLUSTER}", "-o", "wide")
        return table if "MaxReplicas" in table else None

    table = await eventually(shown, "kubectl get kvg shows the Blocked reason", 60)
    header, row = table.splitlines()[:2]
    assert "BLOCKED" in header and "WHY" in header
    assert "max-replicas" in row
    assert "NotBlocked" in e2e.kubectl("get", f"pdg/{CLUSTER}")
    # `tikv` names the TiKV instances; `tikv-all` every kind (the shared category).
    tikvs = e2e.kubectl("get", "tikv", "--no-headers").splitlines()
    assert len(tikvs) == 3 and all("-tikv-" in line for line in tikvs)
    everything = e2e.kubectl("get", "tikv-all", "--no-headers").splitlines()
    assert len(everything) == 1 + 2 + 3 + 3  # the Cluster, two groups, three PDs, three TiKVs
