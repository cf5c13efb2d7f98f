"""`tikv-operator check` and the Consistent condition report an orphan store (DESIGN §9)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tikv_operator.kube import resources

from .harness import CLUSTER, E2E, condition, eventually

pytestmark = pytest.mark.e2e


def check(e2e: E2E, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tikv_operator.cmd.cli", "check", f"{e2e.namespace}/{CLUSTER}"]
    command += ["--kubeconfig", str(e2e.control_plane.kubeconfig), "--pd-url", e2e.sim.url]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)


async def test_an_orphan_store_is_reported_by_check_and_the_condition(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    clean = check(e2e)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "consistent" in clean.stdout

    orphan = f"stranger.elsewhere.{e2e.namespace}:20160"
    e2e.sim.post("/sim/stores", {"address": orphan})

    async def inconsistent() -> bool:
        c = condition(await e2e.get(resources.CLUSTER), "Consistent")
        return c is not None and c["status"] == "False" and orphan in c["message"]

    await eventually(inconsistent, "Consistent=False naming the orphan store", 60)
    text = check(e2e)
    assert text.returncode == 1, text.stdout + text.stderr
    assert orphan in text.stdout and "INCONSISTENT" in text.stdout
    as_json = check(e2e, "-o", "json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["consistent"] is False
    assert any(orphan in d for d in report["differences"])


def test_a_cluster_that_does_not_exist_cannot_be_checked(e2e: E2E) -> None:
    result = check(e2e)
    assert result.returncode == 2
    assert "does not exist" in result.stderr
