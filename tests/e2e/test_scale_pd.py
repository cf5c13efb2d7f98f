"""PD scaling: one member at a time, and the leader never removed while it leads
(DESIGN §5 rules 3 and 4)."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from .harness import E2E

pytestmark = pytest.mark.e2e


async def test_pd_3_to_5_to_3_transfers_leadership_before_removing_the_leader(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    first = await e2e.names(resources.PD)
    await e2e.scale(resources.PDGROUP, 5)
    await e2e.wait_ready(pd=5)
    added = sorted(set(await e2e.names(resources.PD)) - set(first))
    for name in added:
        cm = await e2e.get(resources.CONFIGMAP, name)
        assert cm is not None
        config = "\n".join(cm.get("data", {}).values())
        assert "join" in config, f"PD {name} joined without a join URL"

    # Make the scale-in have to deal with the leader: lead from a member that may go.
    e2e.sim.post(f"/pd/api/v1/leader/transfer/{added[0]}", None)
    await e2e.scale(resources.PDGROUP, 3)
    await e2e.wait_ready(pd=3)

    leader = ""
    members = 0
    for event in e2e.sim.events():
        if event["kind"] == "leader-changed":
            leader = event["subject"]
        elif event["kind"] == "member-joined":
            members += 1
        elif event["kind"] == "member-removed":
            assert event["subject"] != leader, f"{leader} removed while leading"
            members -= 1
        assert members <= 5, "more than one PD member added at a time"
