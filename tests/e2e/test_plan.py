"""`tikv-operator plan` prints what the controllers would do next and why they wait, from
their own reconciles, and changes nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tikv_operator.kube import resources

from .harness import CLUSTER, E2E, condition, eventually

pytestmark = pytest.mark.e2e


def plan(e2e: E2E) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tikv_operator.cmd.cli", "plan", f"{e2e.namespace}/{CLUSTER}"]
    command += ["--kubeconfig", str(e2e.control_plane.kubeconfig), "--pd-url", e2e.sim.url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


async def versions(e2e: E2E) -> dict[str, str]:
    out = {}
    for kind in (
        resources.CLUSTER,
        resources.TIKVGROUP,
        resources.PDGROUP,
        resources.TIKV,
        resources.PD,
        resources.POD,
        resources.PVC,
    ):
        for obj in await e2e.list(kind):
            out[f"{kind.kind}/{obj['metadata']['name']}"] = obj["metadata"]["resourceVersion"]
    return out


async def test_plan_says_why_a_scale_in_waits_and_what_would_happen_and_does_nothing(
    e2e: E2E,
) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 2)

    async def refused() -> bool:
        c = condition(await e2e.get(resources.TIKVGROUP), "Blocked")
        return c is not None and c["reason"] == "MaxReplicas"

    await eventually(refused, "the scale-in refused", 60)
    # Nothing else may move the objects while plan runs: only plan's own reads happen.
    e2e.operator.stop()
    before, sim_events = await versions(e2e), len(e2e.sim.events())

    blocked = plan(e2e)
    assert blocked.returncode == 0, blocked.stdout + blocked.stderr
    lines = blocked.stdout.splitlines()
    group = next(line for line in lines if line.startswith(f"tikvgroup {CLUSTER}:"))
    assert "max-replicas" in group, blocked.stdout
    assert "would emit Warning ScaleInRefused" in blocked.stdout
    assert any(line.startswith(f"cluster {CLUSTER}:") for line in lines)
    assert sum(line.startswith("tikv ") for line in lines) == 3
    assert await versions(e2e) == before, "plan changed an object"
    assert len(e2e.sim.events()) == sim_events, "plan wrote to PD"

    await e2e.scale(resources.TIKVGROUP, 4)
    grow = plan(e2e)
    assert grow.returncode == 0, grow.stdout + grow.stderr
    after = grow.stdout[grow.stdout.index(f"tikvgroup {CLUSTER}:") :]
    assert "would POST /apis/core.tikv.org/v1alpha1/namespaces" in after, grow.stdout
    assert '"kind":"TiKV"' in after
    assert len(await e2e.names(resources.TIKV)) == 3, "plan created an instance"
