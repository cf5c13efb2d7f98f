"""TiKVGroup and TiKV: the storage nodes (stores) of a cluster."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from apis import cel
from apis.common import (
    IMAGE_RULES,
    INSTANCE_RULES,
    ComponentSpec,
    GroupSpec,
    GroupStatus,
    InstanceSpec,
    InstanceStatus,
    ObjectMetaTemplate,
    check_group_name,
    check_instance_name,
    group_rules,
)
from apis.config import TIKV_MANAGED_KEYS, parse_config
from apis.meta import ApiModel, Resource
from apis.types import Duration
from apis.volumes import Volume, volumes_field

COMPONENT = "tikv"
CONFIG_DIR = "/etc/tikv"
"""Where the operator mounts the instance's ConfigMap (tikv.toml)."""
DATA_DIR = "/var/lib/tikv"
"""TiKV's data directory unless the `type: data` mount names another path."""
TLS_DIR = "/var/lib/tikv-tls"
"""Where the operator mounts the instance's cluster TLS Secret when the Cluster enables TLS."""
MAX_REPLICAS = 1000
"""Most stores of a TiKV group: a bound that catches a typo."""


TOPOLOGY_LABELS = ("zone", "region", "host")
"""Store labels the operator takes from the node a store runs on; set by hand they would tell
PD that replicas are spread when they may not be."""
_TOPOLOGY_LABELS_MESSAGE = (
    "server.labels must not set zone, region or host: the operator takes them from the node "
    "each store runs on (its topology.kubernetes.io/zone, topology.kubernetes.io/region and "
    "kubernetes.io/hostname labels)"
)


class TiKVServer(ApiModel):
    """Server settings of TiKV that the operator passes on."""

    labels: dict[str, str] = Field(
        default_factory=dict,
        json_schema_extra=cel.validations(
            cel.rule(
                " && ".join(f"!('{k}' in self)" for k in TOPOLOGY_LABELS),
                _TOPOLOGY_LABELS_MESSAGE,
            )
        ),
    )
    """Store labels added to those taken from the node topology (which the operator sets:
    zone, region and host may not be set here)."""

    @field_validator("labels")
    @classmethod
    def _no_topology_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        if any(k in labels for k in TOPOLOGY_LABELS):
            raise ValueError(_TOPOLOGY_LABELS_MESSAGE)
        return labels


class TiKVTemplateSpec(ComponentSpec):
    """Settings of each TiKV store."""

    CONFIG_DIR: ClassVar[str] = CONFIG_DIR
    DATA_DIR: ClassVar[str] = DATA_DIR
    TLS_DIR: ClassVar[str] = TLS_DIR

    image: str = Field(default="pingcap/tikv", max_length=512, json_schema_extra=IMAGE_RULES)
    """Image repository, without tag or digest; the tag is the version."""

    volumes: list[Volume] = volumes_field(CONFIG_DIR, DATA_DIR, TLS_DIR)
    """Persistent volumes of each instance; one named `data` is required. Volumes may be
    added, not removed or renamed."""

    server: TiKVServer = Field(default_factory=TiKVServer)
    """Server settings."""

    evict_leader_timeout: Duration = "5m"
    """How long to wait for leaders to leave a store before restarting it anyway."""

    @field_validator("config")
    @classmethod
    def _no_managed_keys(cls, config: str) -> str:
        parse_config(config, TIKV_MANAGED_KEYS)
        return config


class TiKVTemplate(ApiModel):
    """Template of the TiKV instances of a group."""

    metadata: ObjectMetaTemplate = Field(default_factory=ObjectMetaTemplate)
    """Labels and annotations of the instances and their Pods."""

    spec: TiKVTemplateSpec
    """Settings of each TiKV store."""


class TiKVFailover(ApiModel):
    """Replacement of stores that are down."""

    enabled: bool = True
    """Whether to add a replacement for a down store."""

    store_down_timeout: Duration = "30m"
    """How long a store must be down (with its Pod not Ready) before a replacement is
    added."""

    max_failover_count: int = Field(default=3, ge=0)
    """Most replacement instances the group may have at once."""

    recover_automatically: bool = False
    """Remove a replacement again (by safe scale-in) once the failed store is back Up."""


class TiKVGroupSpec(GroupSpec):
    """Desired state of a group of TiKV stores."""

    replicas: int = Field(ge=0, le=MAX_REPLICAS)
    """Desired number of instances."""

    template: TiKVTemplate
    """Template of the instances."""

    failover: TiKVFailover = Field(default_factory=TiKVFailover)
    """Replacement of down stores. On by default."""


class TiKVGroup(Resource):
    """A group of TiKV stores of one Cluster."""

    KIND: ClassVar[str] = "TiKVGroup"
    PLURAL: ClassVar[str] = "tikvgroups"
    model_config = ConfigDict(json_schema_extra=cel.validations(*group_rules(COMPONENT)))

    kind: Literal["TiKVGroup"] = "TiKVGroup"
    """Kind of the object."""

    spec: TiKVGroupSpec
    """Desired state."""

    status: GroupStatus = Field(default_factory=GroupStatus)
    """Observed state."""

    @model_validator(mode="after")
    def _child_names_fit(self) -> TiKVGroup:
        check_group_name(self.metadata.name, self.spec.template.spec.volumes, COMPONENT)
        return self


class TiKVSpec(InstanceSpec, TiKVTemplateSpec):
    """Desired state of one TiKV store."""

    offline: bool = False
    """Set to take the store out of the cluster: its leaders and regions move away, then
    it becomes Tombstone. Clearing it while the store is still Removing cancels that."""


class TiKVStatus(InstanceStatus):
    """Observed state of one TiKV store."""

    id: str | None = None
    """PD store id."""

    state: Literal["Preparing", "Serving", "Removing", "Removed"] | None = None
    """PD's node state of the store."""

    state_name: Literal["Up", "Offline", "Tombstone", "Disconnected", "Down"] | None = None
    """PD's state name of the store."""

    leader_count: int | None = None
    """Region leaders on the store."""

    region_count: int | None = None
    """Regions on the store."""

    last_heartbeat_time: datetime | None = None
    """When the store last sent PD a heartbeat."""


class TiKV(Resource):
    """One TiKV store. Created by its TiKVGroup."""

    KIND: ClassVar[str] = "TiKV"
    PLURAL: ClassVar[str] = "tikvs"
    model_config = ConfigDict(json_schema_extra=cel.validations(*INSTANCE_RULES))

    kind: Literal["TiKV"] = "TiKV"
    """Kind of the object."""

    spec: TiKVSpec
    """Desired state."""

    status: TiKVStatus = Field(default_factory=TiKVStatus)
    """Observed state."""

    @model_validator(mode="after")
    def _child_names_fit(self) -> TiKV:
        check_instance_name(self.metadata.name, self.spec.volumes)
        return self
