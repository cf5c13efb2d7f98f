"""Seeded chaos (DESIGN §9 fault injection): each seed picks a scenario and a sequence of
faults (tests/e2e/chaos.py: operator SIGKILLs, PD errors, a foreign cluster id, API-server
conflicts, cut watches, a second operator). After every run the simulator's log is replayed
against the safety rules of DESIGN §5 that the scenario touches (tests/e2e/rules.py) and the
cluster must have converged to its spec.

Scenarios: TiKV scale-out, rolling upgrade of both groups and scale-in; PD scale-out, PD
rolling upgrade and scale-in; TiKV failover; PD member replacement; whole-cluster deletion.
`make test` runs the seeds in CHAOS_SEEDS (default: one per scenario); `make chaos` runs
many. A failure names its seed and the command that replays it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from apis.names import pvc_name
from tikv_operator.kube import resources

from .chaos import LEASE_FLAGS, Chaos, proxied_kubeconfig
from .harness import E2E, eventually, until
from .rbac import Identity, audit_events, audit_size, requests_of
from .rules import (
    check_rules,
    deletion_rule,
    deletions_rule,
    identity_rule,
    pd_log,
    pd_restarts_pair_up,
    pd_rules,
    store_rules,
)
from .tcpproxy import TCPProxy
from .test_failover import FAILOVER, fail_store, failover_records
from .test_pd_failover import failed_over, leader, member_ids
from .test_upgrade import NEW, evict_schedulers, set_version, wait_rolled

pytestmark = pytest.mark.e2e


@dataclass
class Outcome:
    """What a scenario found once the faults stopped and the cluster converged: the rules
    the simulator's log shows broken, and what the audit log may show deleted."""

    broken: list[str]
    whole_cluster: bool = False
    replaced_pvcs: list[str] = field(default_factory=list)


Run = Callable[[], Awaitable[None]]


async def scale_upgrade_scale_in(e2e: E2E, run: Run) -> Outcome:
    start = len(e2e.sim.events())
    known = await _tikv_addresses(e2e)
    await run_with(run, e2e, _scale_upgrade_scale_in)
    known |= {e["subject"] for e in e2e.sim.events()[start:] if e["kind"] == "store-registered"}
    removed = sorted(known - await _tikv_addresses(e2e))
    await e2e.wait_ready(tikv=3, within=300)
    await until(lambda: evict_schedulers(e2e) == [] or None, "no evict-leader left", 60)
    history = e2e.sim.events()
    return Outcome([*check_rules(history[start:], removed), *pd_rules(history)])


async def _scale_upgrade_scale_in(e2e: E2E) -> None:
    await e2e.scale(resources.TIKVGROUP, 4)
    await until(lambda: len(e2e.sim.up_stores()) == 4 or None, "4 stores Up", 300)
    await set_version(e2e, resources.PDGROUP, NEW)
    await set_version(e2e, resources.TIKVGROUP, NEW)
    await wait_rolled(e2e, resources.TIKVGROUP, NEW, within=600)
    await e2e.scale(resources.TIKVGROUP, 3)
    await until(lambda: len(e2e.sim.up_stores()) == 3 or None, "back to 3 stores", 300)


async def pd_scale_and_upgrade(e2e: E2E, run: Run) -> Outcome:
    start = len(e2e.sim.events())
    await run_with(run, e2e, _pd_scale_and_upgrade)
    await e2e.wait_ready(pd=3, within=300)
    assert e2e.sim.member_names() == sorted(await e2e.names(resources.PD))
    events = e2e.sim.events()[start:]
    # Membership and leadership are tracked from the first event: the members and the
    # leader of before the scenario count.
    broken = [*pd_rules(e2e.sim.events()), *pd_restarts_pair_up(events), *identity_rule(events)]
    return Outcome(broken)


async def _pd_scale_and_upgrade(e2e: E2E) -> None:
    await e2e.scale(resources.PDGROUP, 5)
    await until(lambda: len(e2e.sim.member_names()) == 5 or None, "5 PD members", 300)
    await set_version(e2e, resources.PDGROUP, NEW)
    await wait_rolled(e2e, resources.PDGROUP, NEW, within=600)
    await e2e.scale(resources.PDGROUP, 3)
    await until(lambda: len(e2e.sim.member_names()) == 3 or None, "back to 3 members", 300)


async def tikv_failover(e2e: E2E, run: Run) -> Outcome:
    await e2e.patch(resources.TIKVGROUP, {"spec": {"failover": FAILOVER}})
    start = len(e2e.sim.events())
    failed = sorted(await e2e.names(resources.TIKV))[0]
    await run_with(run, e2e, lambda e: _fail_store(e, failed))

    async def settled() -> list[dict[str, object]] | None:
        records = await failover_records(e2e)
        up = len(e2e.sim.up_stores()) == 3
        return records if up and records and records[-1]["step"] == "ReplacementUp" else None

    # The failed instance stays (not Ready) beside its replacement: that is the spec's end.
    records = await eventually(settled, "the replacement Up and recorded", 300)
    assert len(records) == 1, f"one store failed, so one replacement: {records}"
    events = e2e.sim.events()[start:]
    address = f"{failed}.basic-tikv-peer.{e2e.namespace}:20160"
    return Outcome([*store_rules(events, [], failed=[address]), *identity_rule(events)])


async def _fail_store(e2e: E2E, name: str) -> None:
    await fail_store(e2e, name)

    async def replaced() -> bool:
        return len(await e2e.names(resources.TIKV)) == 4 and len(e2e.sim.up_stores()) == 3

    await eventually(replaced, "a replacement store Up beside the failed one", 300)


async def pd_member_replacement(e2e: E2E, run: Run) -> Outcome:
    patch = {"spec": {"failover": {"enabled": True, "unhealthyTimeout": "15s"}}}
    await e2e.patch(resources.PDGROUP, patch)
    start = len(e2e.sim.events())
    hung = sorted(set(member_ids(e2e)) - {leader(e2e)})[0]
    await run_with(run, e2e, lambda e: _replace_member(e, hung))
    await e2e.wait_ready(pd=3, within=300)
    removals = [ev for ev in e2e.sim.events()[start:] if ev["kind"] == "member-removed"]
    assert [ev["subject"] for ev in removals] == [hung], removals
    broken = [*pd_rules(e2e.sim.events(), hung=[hung]), *identity_rule(e2e.sim.events()[start:])]
    return Outcome(broken, replaced_pvcs=[pvc_name("data", hung)])


async def _replace_member(e2e: E2E, name: str) -> None:
    e2e.sim.post(f"/sim/members/{name}/hang", {})
    await failed_over(e2e, name, within=300)


async def delete_cluster(e2e: E2E, run: Run) -> Outcome:
    start = len(e2e.sim.events())
    await run_with(run, e2e, _delete_cluster)
    events = e2e.sim.events()[start:]
    return Outcome([*deletion_rule(events), *identity_rule(events)], whole_cluster=True)


async def _delete_cluster(e2e: E2E) -> None:
    e2e.kubectl("delete", "tc", "basic", "--wait=false")

    async def gone() -> bool:
        kinds = (resources.CLUSTER, resources.PDGROUP, resources.TIKVGROUP, resources.POD)
        return not any([await e2e.names(k) for k in kinds])

    await eventually(gone, "the Cluster, its groups and Pods deleted", 300)
    pvcs = await e2e.names(resources.PVC)
    assert len(pvcs) == 6, f"pvcRetentionPolicy Retain keeps every PVC: {pvcs}"


SCENARIOS = [
    scale_upgrade_scale_in,
    pd_scale_and_upgrade,
    tikv_failover,
    pd_member_replacement,
    delete_cluster,
]
SEEDS = [int(s) for s in os.environ.get("CHAOS_SEEDS", "5,6,7,8,9").split(",") if s.strip()]


def scenario_of(seed: int) -> Callable[[E2E, Run], Awaitable[Outcome]]:
    return SCENARIOS[seed % len(SCENARIOS)]


async def run_with(run: Run, e2e: E2E, steps: Callable[[E2E], Awaitable[None]]) -> None:
    """The scenario's steps while the faults run; the faults stop when the steps end."""
    chaos = asyncio.ensure_future(run())
    try:
        await steps(e2e)
    finally:
        chaos.cancel()
        await asyncio.gather(chaos, return_exceptions=True)
        if e2e.operator.process is None or not e2e.operator.process.alive():
            await asyncio.to_thread(e2e.operator.start)
        e2e.sim.delete("/sim/faults")


async def _tikv_addresses(e2e: E2E) -> set[str]:
    return {f"{n}.basic-tikv-peer.{e2e.namespace}:20160" for n in await e2e.names(resources.TIKV)}


@pytest.fixture
def operator_args() -> tuple[str, ...]:
    return LEASE_FLAGS


@pytest.fixture
async def proxy(e2e: E2E) -> AsyncIterator[TCPProxy]:
    """The operator reaches the API server through a proxy whose connections chaos cuts."""
    server = e2e.control_plane.kubeconfig
    host, port = _server_of(server)
    tcp = TCPProxy(host, port).start()
    e2e.operator.stop()
    target = e2e.workdir / "operator-proxied.kubeconfig"
    e2e.operator.kubeconfig = proxied_kubeconfig(e2e.operator.kubeconfig, tcp, target)
    await asyncio.to_thread(e2e.operator.start)
    try:
        yield tcp
    finally:
        tcp.stop()


def _server_of(kubeconfig: Path) -> tuple[str, int]:
    server = json.loads(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    host, _, port = server.removeprefix("https://").rpartition(":")
    return host, int(port)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sim_args", [("--tick=0.3",)])
async def test_a_seeded_scenario_under_faults_keeps_every_rule(
    e2e: E2E, proxy: TCPProxy, operator_identity: Identity, seed: int
) -> None:
    scenario = scenario_of(seed)
    chaos = Chaos(e2e, random.Random(seed), proxy)
    replay = f"reproduce: CHAOS_SEEDS={seed} make chaos"
    e2e.apply_basic()
    await e2e.wait_ready()
    audited_from = audit_size(e2e.control_plane.audit_log)
    start = len(e2e.sim.events())
    try:
        outcome = await scenario(e2e, chaos.run)
        requests = requests_of(
            audit_events(e2e.control_plane.audit_log, audited_from), operator_identity.user
        )
        deleted = [
            (r.access.resource, r.name)
            for r in requests
            if r.access.verb == "delete" and r.code < 300
        ]
        broken = outcome.broken + deletions_rule(
            deleted,
            e2e.sim.events()[start:],
            e2e.namespace,
            outcome.whole_cluster,
            outcome.replaced_pvcs,
        )
    except AssertionError as e:
        raise AssertionError(
            f"seed {seed} {scenario.__name__} ({replay}), faults {chaos.log}: {e}"
        ) from None
    assert not broken, (
        f"seed {seed} {scenario.__name__} ({replay}), faults {chaos.log}: {broken}\n"
        + pd_log(e2e.sim.events())
    )
