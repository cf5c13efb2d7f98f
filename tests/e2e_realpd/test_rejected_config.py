"""A config pd-server refuses: the Pod says why in pd-server's own words.

pd-server v8.5.1 exits 0 after refusing its config (it prints the error and returns), so the
container restarts as `Completed`, not `Error`, and a kubelet's FallbackToLogsOnError would
keep no message for it; the process nodes always keep the log tail."""

from __future__ import annotations

import pytest

from .harness import RealPD

pytestmark = pytest.mark.realpd


async def test_a_config_pd_server_refuses_surfaces_its_message_in_the_pod(
    realpd: RealPD,
) -> None:
    # No TiKV: its stores would crash-loop too, with no PD to join.
    realpd.apply({"config": '[schedule]\nmax-store-down-time = "soon"\n'}, tikv_replicas=0)

    async def refused() -> bool:
        exits = await realpd.container_exits()
        return len(exits) == 3 and all('invalid duration "soon"' in e for e in exits)

    await realpd.eventually(refused, "every PD container exited with pd-server's message", 90)
    for pod in (await realpd.pods("pd")).values():
        status = pod["status"]["containerStatuses"][0]
        assert status["restartCount"] >= 1
        assert not status["ready"]
