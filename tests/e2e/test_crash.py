"""An operator killed mid scale-in converges after a restart (DESIGN §5 rule 7)."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from .harness import E2E, tombstone_before_stop, until

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("sim_args", [("--tick=0.3", "--regions=120", "--moves-per-tick=1")])
async def test_sigkill_during_tikv_scale_in_then_restart_converges(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 5)
    await e2e.wait_ready(tikv=5)
    before = await e2e.names(resources.TIKV)
    await e2e.scale(resources.TIKVGROUP, 3)
    await until(lambda: e2e.sim.events_of("store-offline"), "a store offlined")
    e2e.operator.kill()
    e2e.operator.start()
    await e2e.wait_ready(tikv=3, within=300)
    removed = sorted(set(before) - set(await e2e.names(resources.TIKV)))
    events = e2e.sim.events()
    assert len(removed) == 2
    for name in removed:
        address = f"{name}.basic-tikv-peer.{e2e.namespace}:20160"
        assert tombstone_before_stop(events, address), f"{name} stopped before Tombstone"
    offlined = {e["subject"] for e in events if e["kind"] == "store-offline"}
    assert len(offlined) == 2, f"stores offlined: {sorted(offlined)}"
