"""PD HTTP request sequences, their masked transcripts, and the recordings of real pd-server's.

A transcript is the list of (label, status code, masked body) a sequence of requests gets.
Two things are rewritten before a body is kept, so that two runs of the same pd-server
build give equal transcripts:

- member URLs: each loopback URL of a real member is replaced by that member's fixed
  address (`http://pd0:2379` for its client URL, `http://pd0:2380` for its peer URL); the
  simulator is given those fixed addresses directly, so a URL in the wrong place still
  differs;
- volatile fields (`VOLATILE`): values that differ between any two clusters are replaced by
  their type name;
- per-build fields (`FORMATTED`): values that differ between two builds of the same commit
  (PD's build time) are replaced by the name of their format when they have it, and kept
  as they are when they do not, so a value in another shape (`"None"`) still differs.

Recordings live beside this module as `pd-v<PD_VERSION>-<sequence>.json`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

CONTRACT_DIR = Path(__file__).resolve().parent
REPO = CONTRACT_DIR.parents[1]
API = "/pd/api/v1"
# Values that differ between any two PD clusters; compared by type only.
VOLATILE = {"member_id", "cluster_id", "id", "start_timestamp", "deploy_path"}
# Values that differ between builds, compared by format: key -> (format name, pattern).
FORMATTED = {
    # PD's Makefile sets it with `date -u '+%Y-%m-%d %I:%M:%S'`.
    "build_ts": ("YYYY-MM-DD hh:mm:ss", re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")),
}
CLIENT_PORT = 2379
PEER_PORT = 2380
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


def masked(value: Any, key: str = "") -> Any:
    """`value` with volatile fields replaced by their type name and lists put in name order."""
    if key in VOLATILE:
        return f"<{type(value).__name__}>"
    if key in FORMATTED:
        name, pattern = FORMATTED[key]
        return f"<{name}>" if isinstance(value, str) and pattern.fullmatch(value) else value
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in sorted(value.items())}
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


@dataclass
class Target:
    """Where to send requests: `urls()` lists the client URLs of members still in the cluster.

    `addresses` maps the real URLs of the target's members to their fixed addresses.
    """

    urls: Callable[[], list[str]]
    remove: Callable[[str], None]
    addresses: dict[str, str]

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
        """Poll until PD's answer passes `check` (real PD applies some changes shortly after)."""
        deadline = time.monotonic() + 30
        body: Any = None
        while time.monotonic() < deadline:
            r = await self.http.get(self.target.url() + API + path)
            body = r.json() if r.status_code == 200 else r.text
            if r.status_code == 200 and check(body):
                self.steps.append(Step(label, 200, "reached"))
                return
            await asyncio.sleep(0.3)
        self.steps.append(Step(label, 0, f"not reached: {body}"))


async def read_everything(t: Transcript) -> None:
    for path in ("/members", "/health", "/leader", "/config/replicate", "/cluster", "/status"):
        await t.call("GET", path)


async def not_bootstrapped_answers(t: Transcript) -> None:
    for path in (
        "/stores",
        "/stores?state=0&state=1&state=2",
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
    """A request sequence run against a cluster of `members` led by `leader` when it starts."""

    name: str
    members: list[str]
    leader: str
    run: Callable[[Transcript], Awaitable[None]]


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


ONE_MEMBER = Sequence("one-member", ["pd0"], "pd0", one_member)
THREE_MEMBERS = Sequence("three-members", ["pd0", "pd1", "pd2"], "pd0", three_members)
SEQUENCES = [ONE_MEMBER, THREE_MEMBERS]


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
        "recorded_with": RECORD_COMMAND,
        "note": (
            "Masked transcript of a real pd-server cluster on loopback; member URLs are "
            "rewritten to http://<name>:2379 (client) and http://<name>:2380 (peer)."
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
    if (document["members"], document["leader"]) != (sequence.members, sequence.leader):
        raise ValueError(f"{path.name} was recorded for another membership; record it again")
    return [Step(s["label"], s["status"], s["body"]) for s in document["steps"]]
