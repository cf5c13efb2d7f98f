"""Store stubs (hack/storestub, the Go stand-in for tikv-server) against a real pd-server.

Each stub runs the tikv.toml the operator renders for a TiKV instance
(`controllers.tikv.build.render_tikv_config`), with its listen and advertised addresses and
its data dir overridden on the command line (flags win over the file, as with
tikv-server): every stub needs its own loopback address, and the other stubs reach it at
the address it registers in PD.

Import the fixture you use into a test module (``from tests.storestub_fixtures import
stub_cluster``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from apis import TiKV
from controllers.tikv.build import render_tikv_config
from hack.localcluster import Binaries
from tests.pd_fixtures import PDServerCluster, pd_server_binary

T = TypeVar("T")

STUB_VERSION = "v8.5.1"

PD_CONFIG = """\
[schedule]
# A stopped store is Down 30s after its last heartbeat instead of PD's 30m.
max-store-down-time = "30s"
# PD's balance schedulers leave stores alone while their leader counts are within
# 5 of each other (the default ratio 0, "auto", for leaders by count); with a dozen
# regions on three stores that stops far from even, so evicted leaders would not come
# back. 1 leader (and one average region size) of tolerance instead.
tolerant-size-ratio = 1.0
# Leaders coming back after an eviction: a batch of transfers per round, not PD's 4.
leader-schedule-limit = 16
# Checking every region for missing or misplaced replicas every 10ms (PD's default,
# stated because the drain of an offlined store depends on it).
patrol-region-interval = "10ms"
# The stub reports its regions above PD's merge thresholds and does not merge; a long
# split-merge-interval (PD's default 1h) also keeps PD from merging the freshly split
# regions.
split-merge-interval = "1h"
"""
"""PD's config for stub tests: PD's clock shortened where the tests wait on it."""

STORE_LIMIT_PER_MINUTE = 600
"""Peers a store may add or remove per minute (PD's default 15 makes a drain of a dozen
regions take a minute); set through PD's API, which also sets the default for stores
that join later."""


def storestub_binary() -> Path:
    path = Binaries.from_cache().storestub
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"the store stub is missing: {path}\nbuild it with `make binaries` (from "
            "hack/storestub, cached under ~/.cache/tikv-operator/bin)",
            pytrace=False,
        )
    return path


def free_port_on(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def tikv_instance(name: str, config: str) -> TiKV:
    """A TiKV object as the TiKV group controller creates it."""
    return TiKV.model_validate(
        {
            "metadata": {
                "name": name,
                "namespace": "stubs",
                "uid": f"uid-{name}",
                "labels": {"tikv.org/group": "basic"},
            },
            "spec": {
                "cluster": {"name": "basic"},
                "subdomain": "basic-tikv-peer",
                "version": STUB_VERSION,
                "config": config,
                "volumes": [{"name": "data", "mounts": [{"type": "data"}], "storage": "1Gi"}],
            },
        }
    )


@dataclass
class Stub:
    index: int
    binary: Path
    workdir: Path
    pd_url: str
    host: str = ""
    port: int = 0
    status_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    flags: list[str] = field(default_factory=list)
    """More tikv-server (or stub) flags, after the addresses: a later flag wins."""

    def __post_init__(self) -> None:
        # 127.0.0.1 is everybody's; the stubs take addresses of their own.
        self.host = f"127.0.0.{100 + self.index}"
        self.port = free_port_on(self.host)
        self.status_port = free_port_on(self.host)
        self.labels = {"zone": f"zone-{self.index}", "host": f"host-{self.index}"}
        self.workdir.mkdir(parents=True, exist_ok=True)
        labels = "".join(f'{k} = "{v}"\n' for k, v in self.labels.items())
        tikv = tikv_instance(f"basic-tikv-{self.index}", f"[server.labels]\n{labels}")
        self.config_file.write_text(render_tikv_config(tikv, self.pd_url, None))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def status_address(self) -> str:
        return f"{self.host}:{self.status_port}"

    @property
    def config_file(self) -> Path:
        return self.workdir / "tikv.toml"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_file(self) -> Path:
        return self.workdir / "stub.log"

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            "--config",
            str(self.config_file),
            f"--addr={self.address}",
            f"--advertise-addr={self.address}",
            f"--status-addr={self.status_address}",
            f"--advertise-status-addr={self.status_address}",
            f"--data-dir={self.data_dir}",
            *self.flags,
        ]

    def start(self) -> None:
        log = self.log_file.open("ab")
        env = {**os.environ, "TIKV_STUB_VERSION": STUB_VERSION}
        self.process = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT, env=env)

    def run_to_exit(self, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run the stub in the foreground, for a start that must fail."""
        return subprocess.run(self.argv(), capture_output=True, text=True, timeout=timeout)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then the exit code (SIGKILL after `timeout`)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_file.read_text(errors="replace")[-chars:]


@dataclass
class StubCluster:
    pd: PDServerCluster
    binary: Path
    workdir: Path
    stubs: list[Stub] = field(default_factory=list)

    def add(self) -> Stub:
        stub = Stub(
            len(self.stubs) + 1,
            self.binary,
            self.workdir / f"stub-{len(self.stubs) + 1}",
            self.pd.url,
        )
        self.stubs.append(stub)
        stub.start()
        return stub

    def start(self, count: int, pd_members: int = 1, timeout: float = 60.0) -> list[Stub]:
        """Start PD with `pd_members` members, then `count` stubs, and wait until one of them
        bootstrapped the cluster; then raise the store limit (PD's API needs a bootstrapped
        cluster)."""
        self.pd.start([f"pd-{i}" for i in range(1, pd_members + 1)], config=PD_CONFIG)
        stubs = [self.add() for _ in range(count)]
        wait_for("PD bootstrapped by a stub", self.bootstrapped, timeout)
        # Setting a rate is idempotent, so it is asked again until PD takes it: one run saw an
        # HTTP error from a PD call right after bootstrap (not kept), most likely this one.
        wait_for("PD taking the store limit", self._raise_store_limit, 20)
        return stubs

    def _raise_store_limit(self) -> bool:
        return self.api("POST", "/stores/limit", json={"rate": STORE_LIMIT_PER_MINUTE}).is_success

    def bootstrapped(self) -> bool:
        response = self.api("GET", "/cluster/status")
        return response.status_code == 200 and bool(response.json().get("raft_bootstrap_time"))

    @property
    def pd_url(self) -> str:
        """A running PD member's URL (any member answers or forwards to the leader)."""
        return next(m.client_url for m in self.pd.members if m.process and m.process.poll() is None)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.pd_url}/pd/api/v1{path}", timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.api("GET", path, **kwargs)
        response.raise_for_status()
        return response.json()

    def stores(self) -> list[dict[str, Any]]:
        """Every store, Tombstone ones too (PD's plain /stores leaves those out)."""
        listed: list[dict[str, Any]] = self.get("/stores", params=[("state", s) for s in "012"])[
            "stores"
        ]
        return listed

    def store_of(self, stub: Stub) -> dict[str, Any] | None:
        """The newest store registered at the stub's address."""
        at = [s for s in self.stores() if s["store"]["address"] == stub.address]
        return max(at, key=lambda s: int(s["store"]["id"]), default=None)

    def store_id(self, stub: Stub) -> int:
        store = self.store_of(stub)
        assert store is not None, f"no store at {stub.address}"
        return int(store["store"]["id"])

    def regions(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.get("/regions")["regions"]
        return listed

    def stop(self) -> None:
        for stub in self.stubs:
            if stub.running():
                stub.stop()


def wait_for(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` and the last
    value seen after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (httpx.HTTPError, AssertionError) as err:
            last = err
        else:
            if last:
                return last
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {timeout}s; last seen: {last!r}", pytrace=False)


@pytest.fixture
def stub_cluster(tmp_path: Path) -> Iterator[StubCluster]:
    """Real pd-server with the stub test config and stubs: `.start(n)` starts both, `.add()`
    one more stub. Every stub still running at the end is stopped with SIGTERM."""
    pd = PDServerCluster(pd_server_binary(), tmp_path / "pd")
    pd.workdir.mkdir()
    cluster = StubCluster(pd, storestub_binary(), tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
        pd.stop()
