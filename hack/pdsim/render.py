"""The simulator's state as PD's JSON shapes (Go encoding/json: zero values omitted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hack.pdsim.model import GIT_HASH, VERSION, Member, PDCluster, Store, StoreState


def body(value: Any) -> bytes:
    """PD's reply encoding: 2-space indented JSON with a trailing newline."""
    return (json.dumps(value, indent=2) + "\n").encode()


def omit_zero(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v not in (0, "", None, [], {})}


def member(m: Member, deploy_path: str = "/pd") -> dict[str, Any]:
    return omit_zero(
        {
            "name": m.name,
            "member_id": m.member_id,
            "peer_urls": m.peer_urls,
            "client_urls": m.client_urls,
            "deploy_path": deploy_path,
            "binary_version": m.version,
            "git_hash": GIT_HASH,
        }
    )


def leader(m: Member) -> dict[str, Any]:
    # PD's /leader is the leader key it keeps in etcd, which carries no build details.
    return omit_zero(
        {
            "name": m.name,
            "member_id": m.member_id,
            "peer_urls": m.peer_urls,
            "client_urls": m.client_urls,
        }
    )


def members(cluster: PDCluster) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "header": {"cluster_id": cluster.cluster_id},
        "members": [member(m) for m in cluster.members],
    }
    if cluster.leader is not None:
        answer["leader"] = answer["etcd_leader"] = member(cluster.leader)
    return answer


def health(cluster: PDCluster) -> list[dict[str, Any]]:
    return [
        omit_zero({"name": m.name, "member_id": m.member_id, "client_urls": m.client_urls})
        | {"health": m.healthy}
        for m in cluster.members
    ]


def rfc3339(seconds: float) -> str:
    """As Go's time.Time marshals to JSON (RFC3339Nano): trailing zeros of the fraction
    dropped, and the dot with them on a whole second."""
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return stamp.rstrip("0").rstrip(".") + "Z"


SECOND = 10**9
SUBSECOND_UNITS = (("ms", 10**6), ("µs", 10**3), ("ns", 1))


def go_duration(seconds: float) -> str:
    """As Go's time.Duration.String(): "1h0m5s", "2m3.5s", "20.39s", under a second in the
    largest unit that is at least 1 ("651.8ms", "12µs"), and "0s"."""
    nanos = round(seconds * SECOND)
    if nanos == 0:
        return "0s"
    if nanos < SECOND:
        unit, size = next((u, n) for u, n in SUBSECOND_UNITS if nanos >= n)
        return decimal(nanos, size) + unit
    hours, rest = divmod(nanos, 3600 * SECOND)
    minutes, rest = divmod(rest, 60 * SECOND)
    text = decimal(rest, SECOND) + "s"
    if minutes or hours:
        text = f"{minutes}m" + text
    if hours:
        text = f"{hours}h" + text
    return text


def decimal(value: int, unit: int) -> str:
    """`value / unit` (a power of ten) exactly, without trailing zeros in the fraction."""
    whole, fraction = divmod(value, unit)
    digits = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def store(s: Store) -> dict[str, Any]:
    meta = omit_zero(
        {
            "id": s.id,
            "address": s.address,
            "state": int(s.state),
            "labels": [{"key": k, "value": v} for k, v in s.labels.items()],
            "version": s.version.removeprefix("v"),
            # TiKV advertises one address to clients and to its raft peers.
            "peer_address": s.address,
            "status_address": s.status_address,
            "git_hash": GIT_HASH,
            "start_timestamp": s.start_timestamp,
            "deploy_path": "/",
            "last_heartbeat": int(s.last_heartbeat * 1e9),
            "node_state": int(s.node_state),
        }
    )
    meta["state_name"] = s.state_name
    # PD has no stats of a store before its first heartbeat.
    capacity, available = ("100GiB", "90GiB") if s.last_heartbeat else ("0B", "0B")
    status: dict[str, Any] = {
        "capacity": capacity,
        "available": available,
        "used_size": f"{s.region_count}MiB",
        "leader_count": s.leader_count,
        "leader_weight": 1,
        "leader_score": s.leader_count,
        "leader_size": s.leader_count,
        "region_count": s.region_count,
        "region_weight": 1,
        "region_score": s.region_count,
        "region_size": s.region_count,
        "start_ts": rfc3339(s.start_timestamp),
        "last_heartbeat_ts": rfc3339(s.last_heartbeat),
    }
    # PD's uptime runs from the start to the last heartbeat, and stays once they stop.
    uptime = s.last_heartbeat - s.start_timestamp
    if uptime > 0:
        status["uptime"] = go_duration(uptime)
    return {"store": meta, "status": status}


def stores(cluster: PDCluster, states: set[StoreState]) -> dict[str, Any]:
    chosen = [store(s) for s in cluster.stores.values() if s.state in states]
    return {"count": len(chosen), "stores": chosen}


def replication(cluster: PDCluster) -> dict[str, Any]:
    return {
        "max-replicas": cluster.settings.max_replicas,
        "location-labels": ",".join(cluster.settings.location_labels),
        "strictly-match-label": "false",
        "enable-placement-rules": "true",
        "enable-placement-rules-cache": "false",
        "isolation-level": "",
    }


def config(cluster: PDCluster) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "cluster-version": VERSION.removeprefix("v"),
        "replication": replication(cluster),
        "schedule": {"max-store-down-time": go_duration(cluster.settings.max_store_down_time)},
    }
    for dotted, value in cluster.config_items.items():
        *sections, leaf = dotted.split(".")
        table = answer
        for name in sections:
            table = table.setdefault(name, {})
        table[leaf] = value
    return answer


def down_peer_regions(cluster: PDCluster) -> dict[str, Any]:
    regions = []
    for s in cluster.down_peer_stores():
        down_seconds = int(cluster.clock.now() - s.last_heartbeat)
        for i in range(s.region_count):
            peer = {"id": s.id * 1000 + i + 1, "store_id": s.id}
            regions.append(
                {
                    "id": s.id * 1000 + i,
                    "down_peers": [{"peer": peer, "down_seconds": down_seconds}],
                }
            )
    return {"count": len(regions), "regions": regions}


def evict_leader_list(cluster: PDCluster) -> dict[str, Any]:
    return {
        "store-id-ranges": {
            str(i): [{"start-key": "", "end-key": ""}] for i in sorted(cluster.evict_leader_stores)
        },
        "batch": 3,
    }
