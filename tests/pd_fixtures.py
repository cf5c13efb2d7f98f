"""Fixtures for PD processes: the in-process simulator and real pd-server clusters on loopback.

Import the fixtures you use into a test module (``from tests.pd_fixtures import simulator``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from hack.localcluster import Binaries
from hack.pdsim.app import Simulator
from hack.pdsim.clock import Clock, ManualClock, ScaledClock
from hack.pdsim.model import PDCluster, Settings


@dataclass
class SimulatorHandle:
    sim: Simulator
    clock: Clock

    @property
    def url(self) -> str:
        return self.sim.url

    @property
    def cluster(self) -> PDCluster:
        return self.sim.cluster


@asynccontextmanager
async def running_simulator(clock: Clock, tick_interval: float) -> AsyncIterator[SimulatorHandle]:
    sim = Simulator(PDCluster(clock, Settings()), tick_interval=tick_interval)
    await sim.start("127.0.0.1", 0)
    try:
        yield SimulatorHandle(sim, clock)
    finally:
        await sim.stop()


@pytest.fixture
async def simulator() -> AsyncIterator[SimulatorHandle]:
    """A simulator on a free loopback port whose clock and scheduler move only when told."""
    async with running_simulator(ManualClock(), tick_interval=0) as handle:
        yield handle


@pytest.fixture
async def live_simulator() -> AsyncIterator[SimulatorHandle]:
    """A simulator on wall-clock time with its schedulers ticking, like a real PD."""
    async with running_simulator(ScaledClock(), tick_interval=0.2) as handle:
        yield handle


def pd_server_binary() -> Path:
    """The pd-server `make binaries` builds, at $TIKV_OPERATOR_CACHE/bin/pd-v<PD_VERSION>/.

    It is built from PD's source snapshot (../shared/third_party/pd), so a missing binary
    fails the test with instructions, like the control-plane binaries (tests/conftest.py).
    """
    path = Binaries.from_cache().pd_server
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"pd-server is missing: {path}\nbuild it with `make binaries` (from the PD source "
            "snapshot in ../shared/third_party/pd, cached under ~/.cache/tikv-operator/bin)",
            pytrace=False,
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class PDServer:
    name: str
    client_port: int
    peer_port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class PDServerCluster:
    binary: Path
    workdir: Path
    members: list[PDServer] = field(default_factory=list)

    def start(self, names: list[str], config: str = "") -> None:
        """Start a fresh cluster bootstrapped with `--initial-cluster` and wait for a leader;
        `config` is the members' PD config file (TOML), if any."""
        self.members = [PDServer(n, free_port(), free_port(), self.workdir / n) for n in names]
        initial = ",".join(f"{m.name}={m.peer_url}" for m in self.members)
        config_args = []
        if config:
            config_file = self.workdir / "pd.toml"
            config_file.write_text(config)
            config_args = [f"--config={config_file}"]
        for m in self.members:
            log = (self.workdir / f"{m.name}.log").open("wb")
            m.process = subprocess.Popen(
                [
                    str(self.binary),
                    f"--name={m.name}",
                    f"--data-dir={m.data_dir}",
                    f"--client-urls={m.client_url}",
                    f"--peer-urls={m.peer_url}",
                    f"--initial-cluster={initial}",
                    f"--log-file={self.workdir / (m.name + '.pd.log')}",
                    *config_args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_for_leader()

    @property
    def url(self) -> str:
        return self.members[0].client_url

    def wait_for_leader(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for m in self.members:
                if m.process is not None and m.process.poll() is not None:
                    log = (self.workdir / f"{m.name}.pd.log").read_text(errors="replace")
                    pytest.fail(f"pd-server {m.name} exited:\n{log[-3000:]}", pytrace=False)
            try:
                r = httpx.get(f"{self.url}/pd/api/v1/leader", timeout=2)
                if r.status_code == 200 and r.json().get("name"):
                    name: str = r.json()["name"]
                    return name
                last = r.text
            except httpx.HTTPError as err:
                last = str(err)
            time.sleep(0.3)
        pytest.fail(f"PD elected no leader within {timeout}s: {last}", pytrace=False)

    def transfer_leader(self, name: str, timeout: float = 30.0) -> None:
        """Make `name` the leader (a no-op when it leads already) and wait until it does."""
        deadline = time.monotonic() + timeout
        leader = self.wait_for_leader()
        while leader != name:
            if time.monotonic() > deadline:
                pytest.fail(f"leadership did not move to {name}; {leader} leads", pytrace=False)
            httpx.post(f"{self.url}/pd/api/v1/leader/transfer/{name}", timeout=5)
            time.sleep(0.5)
            leader = self.wait_for_leader()

    def stop(self) -> None:
        for m in self.members:
            m.stop()


@pytest.fixture
def pd_servers(tmp_path: Path) -> Iterator[PDServerCluster]:
    """Real pd-server processes on loopback; call `.start([...names])` in the test."""
    cluster = PDServerCluster(pd_server_binary(), tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(tmp_path, ignore_errors=True)
