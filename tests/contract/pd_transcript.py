"""PD HTTP request sequences, their masked transcripts, and the recordings of real pd-server's.

A transcript is the list of (label, status code, masked body) a sequence of requests gets.
Two things are rewritten before a body is kept, so that two runs of the same pd-server
build give equal transcripts:

- addresses: each loopback URL of a real member is replaced by that member's fixed address
  (`http://pd0:2379` for its client URL, `http://pd0:2380` for its peer URL), and each
  loopback address of a store by the store's (`tikv0:20160`, status `tikv0:20180`); the
  simulator is given those fixed addresses directly, so an address in the wrong place
  still differs;
- volatile fields (`VOLATILE`): values that differ between any two clusters are replaced by
  their type name;
- formatted fields (`FORMATTED`): values that differ from run to run but always in one
  shape (PD's build time, timestamps, durations, disk sizes, region counts) are replaced by
  the name of their format when they have it, and kept as they are when they do not, so a
  value in another shape (`"None"`, seconds where PD has nanoseconds, a fraction with
  trailing zeros) still differs.

Recordings live beside this module as `pd-v<PD_VERSION>-<sequence>.json`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

CONTRACT_DIR = Path(__file__).resolve().parent
REPO = CONTRACT_DIR.parents[1]
API = "/pd/api/v1"
# Values that differ between any two PD clusters; compared by type only. `parent.key`
# names a key only inside that parent: a store's git_hash is its TiKV build's (the store
# stub's sources), while PD's own is the pinned commit and compared as it is.
VOLATILE = {"member_id", "cluster_id", "id", "deploy_path", "store.git_hash"}


@dataclass(frozen=True)
class Format:
    """A shape a value must have to be masked as `<name>`."""

    name: str
    matches: Callable[[Any], bool]


def matching(pattern: str) -> Callable[[Any], bool]:
    compiled = re.compile(pattern)
    return lambda v: isinstance(v, str) and compiled.fullmatch(v) is not None


def integer_of(digits: int) -> Callable[[Any], bool]:
    return lambda v: type(v) is int and len(str(v)) == digits


def number(v: Any) -> bool:
    # Go marshals a float64 with no fraction without a dot: PD's scores are floats that
    # JSON readers see as ints or floats by value.
    return type(v) in (int, float)


# Go's time.Time in JSON (RFC3339Nano): 0-9 fractional digits, trailing zeros dropped (the
# dot too on a whole second), Z or the local offset.
RFC3339_NANO = Format(
    "RFC3339Nano",
    matching(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,8}[1-9])?(Z|[+-]\d{2}:\d{2})"),
)


def at_epoch(v: Any) -> bool:
    return RFC3339_NANO.matches(v) and datetime.fromisoformat(v).timestamp() == 0


# The epoch in RFC3339Nano, in whichever zone pd-server runs.
EPOCH = Format("the epoch", at_epoch)
# Nanoseconds and seconds since the epoch (2001 to 2286).
UNIX_NANOS = Format("ns since epoch", integer_of(19))
UNIX_SECONDS = Format("s since epoch", integer_of(10))
# Go's time.Duration.String(): "1h0m5s", "2m3.5s", "20.39s", "651.8ms", "0s".
GO_DURATION = Format(
    "Go duration",
    matching(r"(\d+h)?\d+m\d+(\.\d*[1-9])?s|[1-9]\d*(\.\d*[1-9])?(s|ms|µs|ns)|0s"),
)
# PD's typeutil.ByteSize: go-units' BytesSize, `%.4g` of binary units ("62.76GiB", "0B").
BYTE_SIZE = Format("ByteSize", matching(r"\d+(\.\d*[1-9])?(B|KiB|MiB|GiB|TiB|PiB|EiB)"))
# What a store holds moves with the regions PD schedules, the store stub splits and the
# disk it runs on; the simulator models regions as counts.
WORKLOAD = Format("number", number)
# PD's Makefile sets the build time with `date -u '+%Y-%m-%d %I:%M:%S'`.
BUILD_TIME = Format("YYYY-MM-DD hh:mm:ss", matching(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"))
# Values that differ from run to run, compared by format: the first that fits names it.
FORMATTED: dict[str, tuple[Format, ...]] = {
    "build_ts": (BUILD_TIME,),
    "start_timestamp": (UNIX_SECONDS,),
    "last_heartbeat": (UNIX_NANOS,),
    "start_ts": (RFC3339_NANO,),
    # Before a store's first heartbeat PD counts its down time from the epoch.
    "last_heartbeat_ts": (EPOCH, RFC3339_NANO),
    "uptime": (GO_DURATION,),
    "capacity": (BYTE_SIZE,),
    "available": (BYTE_SIZE,),
    "used_size": (BYTE_SIZE,),
    "leader_count": (WORKLOAD,),
    "leader_score": (WORKLOAD,),
    "leader_size": (WORKLOAD,),
    "region_count": (WORKLOAD,),
    "region_score": (WORKLOAD,),
    "region_size": (WORKLOAD,),
}
CLIENT_PORT = 2379
PEER_PORT = 2380
STORE_PORT = 20160
STORE_STATUS_PORT = 20180
# How a recording is made; written into each recording's header.
RECORD_COMMAND = (
    "PD_CONTRACT_RECORD=1 .venv/bin/pytest -q tests/integration/test_pd_contract.py -m pdserver"
)


def versions() -> dict[str, str]:
    """hack/versions.sh as a dict (plain KEY=VALUE lines)."""
    text = (REPO / "hack" / "versions.sh").read_text()
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}


def client_address(name: str) -> str:
    return f"http://{name}:{CLIENT_PORT}"


def peer_address(name: str) -> str:
    return f"http://{name}:{PEER_PORT}"


def store_address(name: str) -> str:
    return f"{name}:{STORE_PORT}"


def store_status_address(name: str) -> str:
    return f"{name}:{STORE_STATUS_PORT}"


def store_labels(name: str) -> dict[str, str]:
    """The labels the store `name` registers with."""
    return {"zone": "z1", "host": name}


def masked(value: Any, key: str = "", parent: str = "") -> Any:
    """`value` with volatile fields replaced by their type name, formatted ones by their
    format's name, and lists put in name order."""
    if key in VOLATILE or f"{parent}.{key}" in VOLATILE:
        return f"<{type(value).__name__}>"
    if key in FORMATTED:
        form = next((f for f in FORMATTED[key] if f.matches(value)), None)
        return f"<{form.name}>" if form else value
    if isinstance(value, dict):
        return {k: masked(v, k, key) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [masked(v) for v in value]
        return sorted(items, key=lambda v: str(v.get("name", v)) if isinstance(v, dict) else v)
    return value


def readdressed(value: Any, addresses: dict[str, str]) -> Any:
    """`value` with every URL in `addresses` replaced by its fixed address.

    A URL is replaced only where no further port digit follows it, so the URL for port 4000
    never rewrites part of the one for port 40001.
    """
    if not addresses:
        return value
    pattern = re.compile("|".join(re.escape(u) + r"(?!\d)" for u in addresses))

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(lambda m: addresses[m.group(0)], v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(value)


@dataclass(frozen=True)
class Step:
    label: str
    status: int
    body: Any


class Stores(Protocol):
    """The TiKV processes of a target, by name (`tikv0`, …); each registers at its fixed
    address (`store_address`) with `store_labels(name)`."""

    def start(self, name: str, heartbeats: bool = True) -> None:
        """Start the store (again), sending store heartbeats or, like a TiKV that never gets
        past PutStore, only registering."""

    def stop(self, name: str) -> None: ...


@dataclass
class Target:
    """Where to send requests: `urls()` lists the client URLs of members still in the cluster.

    `addresses` maps the real URLs of the target's members and the real addresses of its
    stores to their fixed addresses (a store adds its own when it starts).
    """

    urls: Callable[[], list[str]]
    remove: Callable[[str], None]
    addresses: dict[str, str]
    stores: Stores

    def url(self) -> str:
        return self.urls()[0]


class Transcript:
    def __init__(self, target: Target, http: httpx.AsyncClient) -> None:
        self.target = target
        self.http = http
        self.steps: list[Step] = []

    def keep(self, label: str, status: int, body: Any) -> None:
        self.steps.append(Step(label, status, masked(readdressed(body, self.target.addresses))))

    async def call(self, method: str, path: str, label: str = "") -> Any:
        r = await self.http.request(method, self.target.url() + API + path)
        try:
            body = r.json()
        except ValueError:
            body = r.text
        assert r.text.endswith("\n"), f"{method} {path}: no trailing newline"
        self.keep(label or f"{method} {path}", r.status_code, body)
        return body

    async def call_until_accepted(self, method: str, path: str, label: str) -> None:
        """Repeat a call etcd refuses while peers are newly connected ("unhealthy cluster")."""
        deadline = time.monotonic() + 30
        while True:
            r = await self.http.request(method, self.target.url() + API + path)
            if "unhealthy cluster" not in r.text or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        self.keep(label, r.status_code, r.json())

    async def wait_for(self, label: str, path: str, check: Callable[[Any], bool]) -> None:
        """Poll until PD's answer, at fixed addresses, passes `check` (real PD applies some
        changes shortly after)."""
        deadline = time.monotonic() + 30
        body: Any = None
        while time.monotonic() < deadline:
            r = await self.http.get(self.target.url() + API + path)
            body = r.json() if r.status_code == 200 else r.text
            if r.status_code == 200 and check(readdressed(body, self.target.addresses)):
                self.steps.append(Step(label, 200, "reached"))
                return
            await asyncio.sleep(0.3)
        self.steps.append(Step(label, 0, f"not reached: {body}"))

    async def store_id(self, name: str) -> int:
        """The id PD gave the store `name` (ids differ between clusters; not kept)."""
        r = await self.http.get(self.target.url() + API + EVERY_STORE)
        listed = readdressed(r.json(), self.target.addresses)["stores"]
        meta = next(s["store"] for s in listed if s["store"]["address"] == store_address(name))
        store_id: int = meta["id"]
        return store_id


# PD's plain /stores leaves Tombstone stores out.
EVERY_STORE = "/stores?state=0&state=1&state=2"


async def read_everything(t: Transcript) -> None:
    for path in ("/members", "/health", "/leader", "/config/replicate", "/cluster", "/status"):
        await t.call("GET", path)


async def not_bootstrapped_answers(t: Transcript) -> None:
    for path in (
        "/stores",
        EVERY_STORE,
        "/store/1",
        "/schedulers",
        "/scheduler-config/evict-leader-scheduler/list",
        "/regions/check/down-peer",
    ):
        await t.call("GET", path)


async def unknown_member_answers(t: Transcript) -> None:
    await t.call("POST", "/leader/transfer/nobody")
    await t.call("DELETE", "/members/name/nobody")


@dataclass(frozen=True)
class Sequence:
    """A request sequence run against a cluster of `members` led by `leader` when it starts;
    a real pd-server runs with `pd_config` (TOML) when set."""

    name: str
    members: list[str]
    leader: str
    run: Callable[[Transcript], Awaitable[None]]
    pd_config: str = ""


async def one_member(t: Transcript) -> None:
    await read_everything(t)
    await not_bootstrapped_answers(t)
    await unknown_member_answers(t)


async def three_members(t: Transcript) -> None:
    """Read and probe, move leadership from pd0 to pd1, then remove pd2."""
    await read_everything(t)
    await not_bootstrapped_answers(t)
    await unknown_member_answers(t)
    await t.call("POST", "/leader/transfer/pd1", "transfer leader")
    await t.wait_for("leader moved", "/leader", lambda b: b.get("name") == "pd1")
    await t.call("GET", "/leader")
    await t.call_until_accepted("DELETE", "/members/name/pd2", "delete member")
    t.target.remove("pd2")
    await t.wait_for("2 members", "/members", lambda b: len(b["members"]) == 2)
    await t.call("GET", "/members")
    await t.call("GET", "/health")


def store_is(name: str, state_name: str, node_state: int) -> Callable[[Any], bool]:
    """A check of an every-store listing: `name` is listed with that state name and node
    state (PD omits node_state 0, Preparing)."""

    def check(body: Any) -> bool:
        return any(
            s["store"]["address"] == store_address(name)
            and s["store"]["state_name"] == state_name
            and s["store"].get("node_state", 0) == node_state
            for s in body["stores"]
        )

    return check


async def read_store(t: Transcript, name: str) -> None:
    await t.call("GET", f"/store/{await t.store_id(name)}", f"GET /store/<{name}>")


async def stores(t: Transcript) -> None:
    """tikv0 bootstraps the cluster and heartbeats; tikv1 registers but sends no store
    heartbeat (PD lists it Down: its down time counts from the epoch), then starts again
    and heartbeats.

    The waits let PD's node-state check (every 10 s) run before the reads: with fewer than
    100 regions it serves every Preparing store, heard from or not, so node_state does not
    depend on when the check last ran.
    """
    t.target.stores.start("tikv0")
    await t.wait_for("tikv0 Up, Serving", EVERY_STORE, store_is("tikv0", "Up", 1))
    t.target.stores.start("tikv1", heartbeats=False)
    await t.wait_for("tikv1 Down, Serving", EVERY_STORE, store_is("tikv1", "Down", 1))
    await t.call("GET", EVERY_STORE)
    await t.call("GET", "/stores")
    await read_store(t, "tikv0")
    await read_store(t, "tikv1")
    await t.call("GET", "/store/999999")
    t.target.stores.stop("tikv1")
    t.target.stores.start("tikv1")
    await t.wait_for("tikv1 Up", EVERY_STORE, store_is("tikv1", "Up", 1))
    await read_store(t, "tikv1")
    await t.call("GET", EVERY_STORE)


# PD schedules no replica and no region move in the stores sequence: a region moving to a
# store shows in its status as learner and pending-peer counts only while it moves.
STILL_REGIONS = """\
[schedule]
replica-schedule-limit = 0
region-schedule-limit = 0
"""

ONE_MEMBER = Sequence("one-member", ["pd0"], "pd0", one_member)
THREE_MEMBERS = Sequence("three-members", ["pd0", "pd1", "pd2"], "pd0", three_members)
STORES = Sequence("stores", ["pd0"], "pd0", stores, pd_config=STILL_REGIONS)
SEQUENCES = [ONE_MEMBER, THREE_MEMBERS, STORES]


def recording_path(sequence: Sequence) -> Path:
    return CONTRACT_DIR / f"pd-v{versions()['PD_VERSION']}-{sequence.name}.json"


def write_recording(sequence: Sequence, steps: list[Step]) -> Path:
    v = versions()
    document = {
        "pd_version": v["PD_VERSION"],
        "pd_commit": v["PD_COMMIT"],
        "sequence": sequence.name,
        "members": sequence.members,
        "leader": sequence.leader,
        "pd_config": sequence.pd_config,
        "recorded_with": RECORD_COMMAND,
        "note": (
            "Masked transcript of a real pd-server cluster on loopback, stores run by the "
            "store stub (hack/storestub); member URLs are rewritten to http://<name>:2379 "
            "(client) and http://<name>:2380 (peer), store addresses to <name>:20160 and "
            "status addresses to <name>:20180."
        ),
        "steps": [asdict(s) for s in steps],
    }
    path = recording_path(sequence)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def read_recording(sequence: Sequence) -> list[Step]:
    """The recorded real-PD transcript of `sequence` for the pinned PD version."""
    path = recording_path(sequence)
    if not path.exists():
        raise FileNotFoundError(
            f"no recording {path.name} for the PD version in hack/versions.sh; "
            f"record it against that pd-server with `{RECORD_COMMAND}`"
        )
    document = json.loads(path.read_text())
    v = versions()
    if (document["pd_version"], document["pd_commit"]) != (v["PD_VERSION"], v["PD_COMMIT"]):
        raise ValueError(f"{path.name} was recorded from another PD build than hack/versions.sh")
    recorded = (document["members"], document["leader"], document.get("pd_config", ""))
    if recorded != (sequence.members, sequence.leader, sequence.pd_config):
        raise ValueError(f"{path.name} was recorded for another cluster; record it again")
    return [Step(s["label"], s["status"], s["body"]) for s in document["steps"]]
