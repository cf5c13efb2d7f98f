"""Pydantic models of PD's HTTP answers (PD v7.5 to v8.5).

PD serialises kvproto messages with Go's encoding/json, so zero values are omitted (a store
in state Up has no ``state`` key), enums are integers and uint64 ids may exceed 2^53; its
configuration answers use kebab-case keys, one comma-separated string for label lists and
strings for booleans. Every field therefore has a zero default and unknown keys are ignored.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class PDModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _enum_by_name_or_number(enum_type: type[enum.IntEnum]) -> BeforeValidator:
    def parse(value: Any) -> Any:
        if isinstance(value, str) and not value.isdigit():
            return enum_type[value.upper()]
        return value

    return BeforeValidator(parse)


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class StoreState(enum.IntEnum):
    """metapb.StoreState."""

    UP = 0
    OFFLINE = 1
    TOMBSTONE = 2


class NodeState(enum.IntEnum):
    """metapb.NodeState."""

    PREPARING = 0
    SERVING = 1
    REMOVING = 2
    REMOVED = 3


class StoreStateName(enum.StrEnum):
    """PD's ``state_name``: the store state, refined by heartbeat age for Up stores."""

    UP = "Up"
    OFFLINE = "Offline"
    TOMBSTONE = "Tombstone"
    DISCONNECTED = "Disconnected"
    DOWN = "Down"


class ResponseHeader(PDModel):
    cluster_id: int = 0


class Member(PDModel):
    """pdpb.Member; a member added to etcd but never started has an empty name."""

    name: str = ""
    member_id: int = 0
    peer_urls: tuple[str, ...] = ()
    client_urls: tuple[str, ...] = ()
    leader_priority: int = 0
    deploy_path: str = ""
    binary_version: str = ""
    git_hash: str = ""


class Members(PDModel):
    header: ResponseHeader = ResponseHeader()
    members: tuple[Member, ...] = ()
    leader: Member | None = None
    etcd_leader: Member | None = None


class MemberHealth(PDModel):
    name: str = ""
    member_id: int = 0
    client_urls: tuple[str, ...] = ()
    health: bool = False


class StoreLabel(PDModel):
    key: str = ""
    value: str = ""


class Store(PDModel):
    id: int = 0
    address: str = ""
    state: Annotated[StoreState, _enum_by_name_or_number(StoreState)] = StoreState.UP
    node_state: Annotated[NodeState, _enum_by_name_or_number(NodeState)] = NodeState.PREPARING
    state_name: StoreStateName = StoreStateName.UP
    labels: tuple[StoreLabel, ...] = ()
    version: str = ""
    peer_address: str = ""
    status_address: str = ""
    git_hash: str = ""
    start_timestamp: int = 0
    deploy_path: str = ""
    last_heartbeat: int = 0
    """Nanoseconds since the epoch."""


class StoreStatus(PDModel):
    capacity: str = ""
    """A human byte size such as ``"100GiB"`` (PD's typeutil.ByteSize)."""
    available: str = ""
    used_size: str = ""
    leader_count: int = 0
    region_count: int = 0
    pending_peer_count: int = 0
    start_ts: datetime | None = None
    last_heartbeat_ts: datetime | None = None
    uptime: str = ""


class StoreInfo(PDModel):
    store: Store
    status: StoreStatus = StoreStatus()


class StoresInfo(PDModel):
    count: int = 0
    stores: tuple[StoreInfo, ...] = ()


class ReplicationConfig(PDModel):
    max_replicas: int = Field(3, alias="max-replicas")
    location_labels: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = Field(
        (), alias="location-labels"
    )
    strictly_match_label: bool = Field(False, alias="strictly-match-label")
    enable_placement_rules: bool = Field(False, alias="enable-placement-rules")
    isolation_level: str = Field("", alias="isolation-level")


class ScheduleConfig(PDModel):
    max_store_down_time: str = Field("30m0s", alias="max-store-down-time")
    """A Go duration string such as ``"30m0s"``."""


class PDConfig(PDModel):
    cluster_version: str = Field("", alias="cluster-version")
    replication: ReplicationConfig = ReplicationConfig()
    schedule: ScheduleConfig = ScheduleConfig()


class ClusterInfo(PDModel):
    """metapb.Cluster."""

    id: int = 0
    max_peer_count: int = 0


class PDStatus(PDModel):
    version: str = ""
    git_hash: str = ""
    build_ts: str = ""
    start_timestamp: int = 0


class Peer(PDModel):
    id: int = 0
    store_id: int = 0


class DownPeer(PDModel):
    peer: Peer = Peer()
    down_seconds: int = 0


class Region(PDModel):
    id: int = 0
    start_key: str = ""
    end_key: str = ""
    peers: tuple[Peer, ...] = ()
    leader: Peer | None = None
    down_peers: tuple[DownPeer, ...] = ()
    pending_peers: tuple[Peer, ...] = ()


class RegionsInfo(PDModel):
    count: int = 0
    regions: tuple[Region, ...] = ()


class KeyRange(PDModel):
    start_key: str = Field("", alias="start-key")
    end_key: str = Field("", alias="end-key")


class EvictLeaderConfig(PDModel):
    store_id_ranges: dict[int, tuple[KeyRange, ...]] = Field({}, alias="store-id-ranges")
