"""The simulator answers like a real pd-server.

Each request sequence of tests/contract/pd_transcript.py (one member; three members with a
leader transfer and a member removal) gives a transcript: status codes and bodies, with
values that differ by nature (ids, timestamps, paths) masked by their type, build times by
their format, and member URLs rewritten to fixed addresses. The simulator's transcript must
equal real PD's exactly.

Real PD's transcripts are recorded in tests/contract/pd-v<PD_VERSION>-<sequence>.json, so
the simulator is also held to them where no pd-server runs:

- `test_simulator_matches_recorded_pd_server` (plain tests): simulator == recording.
- `test_simulator_and_recording_match_live_pd_server` (`pdserver`, `integration`): starts
  real pd-server processes on loopback; live PD == recording == simulator. The pd-server is
  the one `make binaries` builds from PD's source snapshot (../shared/third_party/pd); a
  missing binary fails these tests, naming `make binaries`.

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

import httpx
import pytest

from tests.contract.pd_transcript import (
    SEQUENCES,
    Sequence,
    Step,
    Target,
    Transcript,
    client_address,
    peer_address,
    read_recording,
    versions,
    write_recording,
)
from tests.pd_fixtures import PDServerCluster, SimulatorHandle, live_simulator, pd_servers

__all__ = ["live_simulator", "pd_servers"]

RECORDING = os.environ.get("PD_CONTRACT_RECORD") == "1"
by_name = pytest.mark.parametrize("sequence", SEQUENCES, ids=[s.name for s in SEQUENCES])


def pd_target(cluster: PDServerCluster) -> Target:
    removed: set[str] = set()

    def urls() -> list[str]:
        return [m.client_url for m in cluster.members if m.name not in removed]

    def remove(name: str) -> None:
        removed.add(name)
        next(m for m in cluster.members if m.name == name).stop()

    addresses = {m.client_url: client_address(m.name) for m in cluster.members}
    addresses |= {m.peer_url: peer_address(m.name) for m in cluster.members}
    return Target(urls, remove, addresses)


def sim_target(handle: SimulatorHandle, sequence: Sequence) -> Target:
    """The simulator, given the sequence's members at their fixed addresses and its leader."""
    for name in sequence.members:
        handle.cluster.add_member(name, [peer_address(name)], [client_address(name)])
    handle.cluster.transfer_leader(sequence.leader)
    return Target(lambda: [handle.url], lambda _: None, {})


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
    sequence: Sequence, pd_servers: PDServerCluster, live_simulator: SimulatorHandle
) -> None:
    pd_servers.start(sequence.members)
    # Which member wins the first election is chance; the sequences start from a known one.
    pd_servers.transfer_leader(sequence.leader)
    assert_pinned_build(pd_servers)
    real = await transcript(pd_target(pd_servers), sequence)
    assert_sequence_completed(real)
    if RECORDING:
        write_recording(sequence, real)
    else:
        assert_same(read_recording(sequence), real, "live pd-server differs from its recording")
    sim = await transcript(sim_target(live_simulator, sequence), sequence)
    assert_same(real, sim, "simulator differs from the live pd-server")
