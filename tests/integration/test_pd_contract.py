"""The simulator answers like a real pd-server.

Each request sequence of tests/contract/pd_transcript.py (one member; three members with a
leader transfer and a member removal; stores, one heartbeating and one only registered)
gives a transcript: status codes and bodies, with values that differ by nature (ids, paths)
masked by their type, timestamps, durations, sizes and region counts by their format, and
member URLs and store addresses rewritten to fixed addresses. The simulator's transcript
must equal real PD's exactly.

Real PD's transcripts are recorded in tests/contract/pd-v<PD_VERSION>-<sequence>.json, so
the simulator is also held to them where no pd-server runs:

- `test_simulator_matches_recorded_pd_server` (plain tests): simulator == recording.
- `test_simulator_and_recording_match_live_pd_server` (`pdserver`, `integration`): starts
  real pd-server processes on loopback, and store stubs (hack/storestub) as its TiKVs; live
  PD == recording == simulator. The pd-server is the one `make binaries` builds from PD's
  source snapshot (../shared/third_party/pd), the stub from hack/storestub; a missing
  binary fails these tests, naming `make binaries`.

To record (after a PD version bump in hack/versions.sh, or a change to a sequence), build the
pinned pd-server with `make binaries` (it lands in
$TIKV_OPERATOR_CACHE/bin/pd-v<PD_VERSION>/pd-server, the cache defaulting to
~/.cache/tikv-operator) and run with PD_CONTRACT_RECORD=1:

    PD_CONTRACT_RECORD=1 .venv/bin/pytest -q tests/integration/test_pd_contract.py -m pdserver

The live tests then write the recordings instead of comparing against them (the simulator
is still compared), and refuse a pd-server whose version or commit is not the pinned one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hack.pdsim.model import PDCluster
from tests.contract.pd_transcript import (
    SEQUENCES,
    Sequence,
    Step,
    Target,
    Transcript,
    client_address,
    peer_address,
    read_recording,
    store_address,
    store_labels,
    store_status_address,
    versions,
    write_recording,
)
from tests.pd_fixtures import PDServerCluster, SimulatorHandle, live_simulator, pd_servers
from tests.storestub_fixtures import Stub, storestub_binary

__all__ = ["live_simulator", "pd_servers"]

RECORDING = os.environ.get("PD_CONTRACT_RECORD") == "1"
by_name = pytest.mark.parametrize("sequence", SEQUENCES, ids=[s.name for s in SEQUENCES])


class StubStores:
    """Store stubs registering with the live pd-server, one per store name, each on a
    loopback address of its own, which it adds to `addresses` when first started."""

    def __init__(self, pd: PDServerCluster, workdir: Path) -> None:
        self.pd = pd
        self.workdir = workdir
        self.addresses: dict[str, str] = {}
        self.stubs: dict[str, Stub] = {}

    def start(self, name: str, heartbeats: bool = True) -> None:
        stub = self.stubs.get(name) or self._new(name)
        labels = ",".join(f"{k}={v}" for k, v in store_labels(name).items())
        stub.flags = [f"--labels={labels}"]
        if not heartbeats:
            stub.flags.append("--stub-no-store-heartbeat")
        stub.start()

    def stop(self, name: str) -> None:
        self.stubs[name].stop()

    def stop_all(self) -> None:
        for stub in self.stubs.values():
            if stub.running():
                stub.stop()

    def _new(self, name: str) -> Stub:
        stub = Stub(len(self.stubs) + 1, storestub_binary(), self.workdir / name, self.pd.url)
        self.stubs[name] = stub
        self.addresses[stub.address] = store_address(name)
        self.addresses[stub.status_address] = store_status_address(name)
        return stub


class SimStores:
    """Stores registered in the simulator at their fixed addresses."""

    def __init__(self, cluster: PDCluster) -> None:
        self.cluster = cluster

    def start(self, name: str, heartbeats: bool = True) -> None:
        self.cluster.put_store(
            store_address(name),
            store_status_address(name),
            labels=store_labels(name),
            heartbeat=heartbeats,
        )

    def stop(self, name: str) -> None:
        self.cluster.stop_heartbeat(store_address(name))


@pytest.fixture
def stub_stores(pd_servers: PDServerCluster, tmp_path: Path) -> Iterator[StubStores]:
    stores = StubStores(pd_servers, tmp_path / "stubs")
    try:
        yield stores
    finally:
        stores.stop_all()


def pd_target(cluster: PDServerCluster, stores: StubStores) -> Target:
    removed: set[str] = set()

    def urls() -> list[str]:
        return [m.client_url for m in cluster.members if m.name not in removed]

    def remove(name: str) -> None:
        removed.add(name)
        next(m for m in cluster.members if m.name == name).stop()

    # The stores' map: stores started later add their addresses to it.
    addresses = stores.addresses
    addresses |= {m.client_url: client_address(m.name) for m in cluster.members}
    addresses |= {m.peer_url: peer_address(m.name) for m in cluster.members}
    return Target(urls, remove, addresses, stores)


def sim_target(handle: SimulatorHandle, sequence: Sequence) -> Target:
    """The simulator, given the sequence's members at their fixed addresses and its leader."""
    for name in sequence.members:
        handle.cluster.add_member(name, [peer_address(name)], [client_address(name)])
    handle.cluster.transfer_leader(sequence.leader)
    return Target(lambda: [handle.url], lambda _: None, {}, SimStores(handle.cluster))


async def transcript(target: Target, sequence: Sequence) -> list[Step]:
    async with httpx.AsyncClient(timeout=10) as http:
        t = Transcript(target, http)
        await sequence.run(t)
    return t.steps


def assert_same(expected: list[Step], actual: list[Step], what: str) -> None:
    assert [s.label for s in actual] == [s.label for s in expected]
    for e, a in zip(expected, actual, strict=True):
        assert a == e, f"{what} at {e.label}"


def assert_sequence_completed(steps: list[Step]) -> None:
    """The waits in a sequence were met (a timed-out wait is recorded as status 0)."""
    assert [s for s in steps if s.status == 0] == []


def assert_pinned_build(cluster: PDServerCluster) -> None:
    status = httpx.get(f"{cluster.url}/pd/api/v1/status", timeout=5).json()
    v = versions()
    assert (status["version"], status["git_hash"]) == (f"v{v['PD_VERSION']}", v["PD_COMMIT"]), (
        "pd-server is not the build pinned in hack/versions.sh"
    )


@by_name
async def test_simulator_matches_recorded_pd_server(
    sequence: Sequence, live_simulator: SimulatorHandle
) -> None:
    recorded = read_recording(sequence)
    sim = await transcript(sim_target(live_simulator, sequence), sequence)
    assert_same(recorded, sim, "simulator differs from the recorded pd-server")


@pytest.mark.pdserver
@pytest.mark.integration
@by_name
async def test_simulator_and_recording_match_live_pd_server(
    sequence: Sequence,
    pd_servers: PDServerCluster,
    stub_stores: StubStores,
    live_simulator: SimulatorHandle,
) -> None:
    pd_servers.start(sequence.members, config=sequence.pd_config)
    # Which member wins the first election is chance; the sequences start from a known one.
    pd_servers.transfer_leader(sequence.leader)
    assert_pinned_build(pd_servers)
    real = await transcript(pd_target(pd_servers, stub_stores), sequence)
    assert_sequence_completed(real)
    if RECORDING:
        write_recording(sequence, real)
    else:
        assert_same(read_recording(sequence), real, "live pd-server differs from its recording")
    sim = await transcript(sim_target(live_simulator, sequence), sequence)
    assert_same(real, sim, "simulator differs from the live pd-server")
