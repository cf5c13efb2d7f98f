"""Types shared by the PD and TiKV groups and instances."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from apis.meta import ApiModel, Condition
from apis.names import MAX_NAME, max_group_and_volume_length, max_instance_and_volume_length
from apis.types import DNSLabel, Quantity, Version

MAX_VOLUMES = 8
MAX_MOUNTS = 8
# Volumes and mounts are capped so the CEL rules under them stay within the API server's cost
# budget (an int-or-string storage counts as megabytes of text in its estimate).
MAX_CONDITIONS = 16

DATA_VOLUME = "data"
CONFIG_VOLUME = "config"
"""Name of the Pod volume holding the instance's ConfigMap; no user volume may take it."""
DATA_VOLUME_MESSAGE = "a volume named 'data' is required"
MOUNT_MESSAGE = "a mount needs a type or a mountPath"

CONDITIONS_SCHEMA: dict[str, Any] = {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
}


def _immutable(message: str) -> dict[str, Any]:
    return {"x-kubernetes-validations": [{"rule": "self == oldSelf", "message": message}]}


class ClusterReference(ApiModel):
    """The Cluster this object belongs to."""

    name: DNSLabel
    """Name of the Cluster, in the same namespace. Immutable."""


CLUSTER_REFERENCE_FIELD: Any = Field(
    json_schema_extra={
        "x-kubernetes-validations": [
            {"rule": "self.name == oldSelf.name", "message": "spec.cluster.name is immutable"}
        ]
    }
)


class ResourceRequirements(ApiModel):
    """CPU and memory for the component container, used as both request and limit."""

    cpu: Quantity | None = None
    """CPU cores, such as 2 or 500m."""

    memory: Quantity | None = None
    """Memory, such as 8Gi."""


class VolumeMount(ApiModel):
    """Where a volume is mounted in the component container."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {"rule": "has(self.type) || has(self.mountPath)", "message": MOUNT_MESSAGE}
            ]
        }
    )

    type: Literal["data"] | None = None
    """What the mount holds. `data` is the component's data directory; mountPath then
    defaults to the component's data directory."""

    mount_path: str | None = Field(default=None, max_length=256)
    """Path in the container. Required unless type is set."""

    sub_path: str | None = Field(default=None, max_length=256)
    """Sub-path inside the volume to mount."""

    @model_validator(mode="after")
    def _type_or_path(self) -> VolumeMount:
        if self.type is None and self.mount_path is None:
            raise ValueError(MOUNT_MESSAGE)
        return self


class Volume(ApiModel):
    """A persistent volume of each instance, backed by a PersistentVolumeClaim named
    `<volume>-<instance>`."""

    name: DNSLabel
    """Name of the volume; part of the PVC name."""

    mounts: list[VolumeMount] = Field(default_factory=list, max_length=MAX_MOUNTS)
    """Where to mount the volume. A volume named `data` with no mounts is mounted as the
    data directory."""

    storage: Quantity
    """Requested size, such as 20Gi. It may grow (if the storage class allows expansion)
    but never shrink."""

    storage_class_name: str | None = Field(default=None, max_length=253)
    """StorageClass of the PVC; the cluster default when unset."""


VOLUMES_FIELD: Any = Field(
    max_length=MAX_VOLUMES,
    json_schema_extra={
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-validations": [
            {"rule": f"self.exists(v, v.name == '{DATA_VOLUME}')", "message": DATA_VOLUME_MESSAGE}
        ],
    },
)


class ObjectMetaTemplate(ApiModel):
    """Labels and annotations added to generated objects."""

    labels: dict[str, str] = Field(default_factory=dict)
    """Labels to add."""

    annotations: dict[str, str] = Field(default_factory=dict)
    """Annotations to add."""


class PodOverlay(ApiModel):
    """Changes merged onto the generated Pod."""

    metadata: ObjectMetaTemplate = Field(default_factory=ObjectMetaTemplate)
    """Labels and annotations added to the Pod."""

    spec: dict[str, Any] = Field(default_factory=dict)
    """A partial PodSpec merged onto the generated one (nodeSelector, tolerations,
    affinity, securityContext, containers[].env, ...)."""


class VolumeClaimOverlay(ApiModel):
    """Changes merged onto the PVC of one volume."""

    name: DNSLabel
    """Name of the volume whose PVC this changes."""

    metadata: ObjectMetaTemplate = Field(default_factory=ObjectMetaTemplate)
    """Labels and annotations added to the PVC."""

    spec: dict[str, Any] = Field(default_factory=dict)
    """A partial PersistentVolumeClaimSpec merged onto the generated one."""


class Overlay(ApiModel):
    """Escape hatch: changes merged onto the objects the operator generates."""

    pod: PodOverlay = Field(default_factory=PodOverlay)
    """Merged onto the Pod."""

    volume_claims: list[VolumeClaimOverlay] = Field(
        default_factory=list,
        max_length=MAX_VOLUMES,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    """Merged onto the PVCs, by volume name."""


class UpdateStrategy(ApiModel):
    """How changes reach running instances."""

    config: Literal["Restart", "HotReload"] = "Restart"
    """What a config change does: `Restart` recreates the Pods one at a time;
    `HotReload` only updates the ConfigMap (for settings the component reloads)."""


class ComponentSpec(ApiModel):
    """Settings of one component instance, shared by the group template and the
    instance spec."""

    version: Version
    """Version of the component, a semantic version with a leading v, such as v8.5.1."""

    image: str = Field(max_length=512)
    """Image repository, without tag; the tag is the version."""

    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    """CPU and memory of the component container."""

    config: str = Field(default="", max_length=65536)
    """Component configuration in TOML. The operator sets the keys it manages (names,
    addresses, data directory, peers); setting one of those here is an error."""

    update_strategy: UpdateStrategy = Field(default_factory=UpdateStrategy)
    """How changes reach running instances."""

    volumes: list[Volume] = VOLUMES_FIELD
    """Persistent volumes of each instance; one named `data` is required."""

    overlay: Overlay = Field(default_factory=Overlay)
    """Changes merged onto the generated Pod and PVCs."""

    @model_validator(mode="after")
    def _has_data_volume(self) -> ComponentSpec:
        if not any(volume.name == DATA_VOLUME for volume in self.volumes):
            raise ValueError(DATA_VOLUME_MESSAGE)
        return self


class Topology(ApiModel):
    """One topology: a set of node labels, with a weight."""

    topology: dict[str, str] = Field(min_length=1, max_length=16)
    """Node labels that identify the topology, such as {topology.kubernetes.io/zone: a}."""

    weight: int = Field(default=1, ge=1)
    """Relative share of instances placed in this topology."""


class EvenlySpread(ApiModel):
    """Spread instances evenly over the listed topologies."""

    topologies: list[Topology] = Field(min_length=1, max_length=32)
    """The topologies to spread over."""


class SchedulePolicy(ApiModel):
    """A placement policy for the instances of a group."""

    type: Literal["EvenlySpread"]
    """Kind of policy."""

    evenly_spread: EvenlySpread
    """Settings of the EvenlySpread policy."""


class GroupSpec(ApiModel):
    """Fields common to the PD and TiKV group specs."""

    cluster: ClusterReference = CLUSTER_REFERENCE_FIELD
    """The Cluster this group belongs to. Immutable."""

    replicas: int = Field(ge=0)
    """Desired number of instances."""

    min_ready_seconds: int = Field(default=0, ge=0)
    """Seconds a new instance must be Ready before it counts as available."""

    schedule_policies: list[SchedulePolicy] = Field(default_factory=list, max_length=4)
    """Placement policies for the instances."""


class FailoverRecord(ApiModel):
    """A replacement the operator made for a failed instance."""

    instance: str
    """The failed instance."""

    id: str | None = None
    """Its PD store or member id."""

    replacement: str | None = None
    """The instance created to replace it."""

    reason: str
    """Why it was replaced."""

    time: datetime
    """When the failure was detected."""

    step: str
    """The last step completed, so a restarted operator resumes rather than repeats."""


class GroupStatus(ApiModel):
    """Observed state of a group."""

    observed_generation: int | None = None
    """The .metadata.generation this status describes."""

    conditions: list[Condition] = Field(
        default_factory=list, max_length=MAX_CONDITIONS, json_schema_extra=CONDITIONS_SCHEMA
    )
    """Ready, Synced, Suspended, Blocked."""

    replicas: int = 0
    """Number of instances."""

    ready_replicas: int = 0
    """Number of Ready instances."""

    updated_replicas: int = 0
    """Number of instances at the update revision."""

    current_replicas: int = 0
    """Number of instances at the current revision."""

    current_revision: str | None = None
    """Revision of the instances before the update in progress."""

    update_revision: str | None = None
    """Revision of the instances the spec asks for."""

    collision_count: int | None = None
    """Counts revision-hash collisions, to make the next hash unique."""

    selector: str | None = None
    """Label selector of the instances, for the scale subresource."""

    version: str | None = None
    """Version that every instance runs, when they agree."""

    failover: list[FailoverRecord] = Field(default_factory=list)
    """Replacements made for failed instances."""


class InstanceSpec(ApiModel):
    """Fields common to the PD and TiKV instance specs, beside the component spec."""

    cluster: ClusterReference = CLUSTER_REFERENCE_FIELD
    """The Cluster this instance belongs to. Immutable."""

    topology: dict[str, str] = Field(
        default_factory=dict,
        max_length=16,
        json_schema_extra={
            "default": {},
            **_immutable("spec.topology is immutable"),
        },
    )
    """Node labels the group chose for this instance. Immutable."""

    subdomain: str = Field(max_length=63)
    """Subdomain of the Pod: the group's headless peer Service."""


class InstanceStatus(ApiModel):
    """Observed state common to PD and TiKV instances."""

    observed_generation: int | None = None
    """The .metadata.generation this status describes."""

    conditions: list[Condition] = Field(
        default_factory=list, max_length=MAX_CONDITIONS, json_schema_extra=CONDITIONS_SCHEMA
    )
    """Ready, Synced, Suspended and component-specific conditions."""

    current_revision: str | None = None
    """Revision of the running Pod."""

    update_revision: str | None = None
    """Revision the spec asks for."""


def group_name_message(component: str) -> str:
    limit = max_group_and_volume_length(component)
    return (
        f"the group name and each volume name together must not exceed {limit} characters, "
        f"so that PVC names (<volume>-<group>-{component}-<suffix>) fit in {MAX_NAME}"
    )


def group_name_rule(component: str) -> dict[str, Any]:
    """CEL rule on a group object keeping the names of its PVCs within limits."""
    limit = max_group_and_volume_length(component)
    return {
        "rule": "self.spec.template.spec.volumes.all(v, "
        f"size(self.metadata.name) + size(v.name) <= {limit})",
        "message": group_name_message(component),
    }


def check_group_name(name: str | None, volumes: list[Volume], component: str) -> None:
    """The Python twin of group_name_rule."""
    limit = max_group_and_volume_length(component)
    if name is not None and any(len(name) + len(v.name) > limit for v in volumes):
        raise ValueError(group_name_message(component))


INSTANCE_NAME_MESSAGE = (
    f"the instance name and each volume name together must not exceed "
    f"{max_instance_and_volume_length()} characters, so that PVC names "
    f"(<volume>-<instance>) fit in {MAX_NAME}"
)
INSTANCE_NAME_RULE: dict[str, Any] = {
    "rule": "self.spec.volumes.all(v, "
    f"size(self.metadata.name) + size(v.name) <= {max_instance_and_volume_length()})",
    "message": INSTANCE_NAME_MESSAGE,
}


def check_instance_name(name: str | None, volumes: list[Volume]) -> None:
    """The Python twin of INSTANCE_NAME_RULE."""
    limit = max_instance_and_volume_length()
    if name is not None and any(len(name) + len(v.name) > limit for v in volumes):
        raise ValueError(INSTANCE_NAME_MESSAGE)
