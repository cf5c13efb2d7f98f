"""Seeded chaos (DESIGN §9 fault injection): TiKV scale-out, a rolling upgrade of both groups
and a TiKV scale-in, while a seeded scheduler SIGKILLs and restarts the operator at random
points and makes PD answer 503, time out or lose its leader for a while. After every run the
simulator's log is replayed against the safety rules of DESIGN §5 and the cluster must have
converged to its spec.

`make test` runs the seeds in CHAOS_SEEDS (default two); `make chaos` runs many. A failure
names its seed and the command that replays it.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Iterator
from typing import Any

import pytest

from tikv_operator.kube import resources

from .harness import E2E, until
from .rules import check_rules
from .test_upgrade import NEW, evict_schedulers, set_version, wait_rolled

pytestmark = pytest.mark.e2e

SEEDS = [int(s) for s in os.environ.get("CHAOS_SEEDS", "7,19").split(",") if s.strip()]


def _faults(rng: random.Random) -> Iterator[dict[str, Any]]:
    """PD faults, each for a few requests of the operator's (the poller's and the writes')."""
    while True:
        yield rng.choice(
            [
                {"status": 503, "message": "injected: PD unavailable", "times": rng.randint(2, 8)},
                {"timeout": True, "times": rng.randint(1, 3)},
                {"no_leader": True, "times": rng.randint(2, 8)},
                {"latency": rng.uniform(0.5, 2.0), "times": rng.randint(2, 6)},
            ]
        )


async def inject(e2e: E2E, rng: random.Random, log: list[str]) -> None:
    """Until cancelled: every few seconds, kill and restart the operator or break PD."""
    faults = _faults(rng)
    while True:
        await asyncio.sleep(rng.uniform(2.0, 8.0))
        if rng.random() < 0.5:
            log.append("SIGKILL operator")
            e2e.operator.kill()
            await asyncio.sleep(rng.uniform(0.0, 3.0))
            await asyncio.to_thread(e2e.operator.start)
        else:
            fault = next(faults)
            log.append(f"PD fault {fault}")
            e2e.sim.post("/sim/faults", fault)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sim_args", [("--tick=0.3",)])
async def test_scale_upgrade_and_scale_in_under_faults_keep_every_rule(e2e: E2E, seed: int) -> None:
    rng = random.Random(seed)
    log: list[str] = []
    replay = f"reproduce: CHAOS_SEEDS={seed} make chaos"
    e2e.apply_basic()
    await e2e.wait_ready()
    start = len(e2e.sim.events())
    chaos = asyncio.create_task(inject(e2e, rng, log))
    try:
        await e2e.scale(resources.TIKVGROUP, 4)
        await until(lambda: len(e2e.sim.up_stores()) == 4 or None, "4 stores Up", 300)
        await set_version(e2e, resources.PDGROUP, NEW)
        await set_version(e2e, resources.TIKVGROUP, NEW)
        await wait_rolled(e2e, resources.TIKVGROUP, NEW, within=600)
        before = set(await e2e.names(resources.TIKV))
        await e2e.scale(resources.TIKVGROUP, 3)
        await until(lambda: len(e2e.sim.up_stores()) == 3 or None, "back to 3 stores", 300)
    except AssertionError as e:
        raise AssertionError(f"seed {seed} ({replay}), faults {log}: {e}") from None
    finally:
        chaos.cancel()
        await asyncio.gather(chaos, return_exceptions=True)
        if e2e.operator.process is None or not e2e.operator.process.alive():
            await asyncio.to_thread(e2e.operator.start)
    e2e.sim.delete("/sim/faults")
    await e2e.wait_ready(tikv=3, within=300)
    removed = sorted(before - set(await e2e.names(resources.TIKV)))
    address = f"{{}}.basic-tikv-peer.{e2e.namespace}:20160"
    events = e2e.sim.events()[start:]
    broken = check_rules(events, [address.format(n) for n in removed])
    assert not broken, f"seed {seed} ({replay}), faults {log}: {broken}"
    await until(lambda: evict_schedulers(e2e) == [] or None, "no evict-leader left", 60)
