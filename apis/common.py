"""Types shared by the PD and TiKV groups and instances."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from apis import cel
from apis.meta import ApiModel, Condition
from apis.names import MAX_NAME, max_group_and_volume_length, max_instance_and_volume_length
from apis.types import (
    DNS1035_LABEL_PATTERN,
    DNS_LABEL_PATTERN,
    DNS1035Label,
    DNSLabel,
    Quantity,
    Version,
    check_dns1035_label,
    check_dns_label,
)

# Volumes live in apis.volumes; the controllers import these names from here.
from apis.volumes import CONFIG_VOLUME as CONFIG_VOLUME
from apis.volumes import DATA_VOLUME as DATA_VOLUME
from apis.volumes import MAX_VOLUMES as MAX_VOLUMES
from apis.volumes import Volume as Volume
from apis.volumes import check_volumes

MAX_CONDITIONS = 16
MAX_MIN_READY_SECONDS = 86400

IMAGE_MESSAGE = (
    "image must be an image repository without a tag or digest, such as pingcap/tikv or "
    "registry.example.com:5000/pingcap/tikv: the operator appends ':' and the version"
)
OVERLAY_HOSTNAME_MESSAGE = (
    "overlay.pod.spec must not set hostname: the operator names each Pod after its instance, "
    "and PD and TiKV advertise that name to their peers"
)
OVERLAY_SUBDOMAIN_MESSAGE = (
    "overlay.pod.spec must not set subdomain: it is the group's peer Service, part of the "
    "address PD and TiKV advertise to their peers"
)
OVERLAY_RESERVED = {"hostname": OVERLAY_HOSTNAME_MESSAGE, "subdomain": OVERLAY_SUBDOMAIN_MESSAGE}
SCHEDULE_POLICIES_MESSAGE = "schedulePolicies may hold at most one policy of each type"
SUBDOMAIN_MESSAGE = (
    "spec.subdomain is immutable: it is part of the address the instance advertises to PD "
    "and its peers"
)

_IMAGE = r"^[^\s@]+$"
_IMAGE_TAG = r":[^/]*$"
IMAGE_RULES = cel.validations(
    cel.rule(
        f"self.matches({cel.regex(_IMAGE)}) && !self.matches({cel.regex(_IMAGE_TAG)})",
        IMAGE_MESSAGE,
    )
)

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

    spec: dict[str, Any] = Field(
        default_factory=dict,
        json_schema_extra={
            # Declared so that the rules below can see them: CEL cannot read fields the
            # schema does not name.
            "properties": {
                name: {"type": "string", "description": "Refused: the operator sets it."}
                for name in OVERLAY_RESERVED
            },
            **cel.validations(
                *(
                    cel.rule(f"!has(self.{name})", message, field_path=f".{name}")
                    for name, message in OVERLAY_RESERVED.items()
                )
            ),
        },
    )
    """A partial PodSpec merged onto the generated one (nodeSelector, tolerations,
    affinity, securityContext, containers[].env, ...). It may not set hostname or
    subdomain."""

    @field_validator("spec")
    @classmethod
    def _no_reserved_fields(cls, spec: dict[str, Any]) -> dict[str, Any]:
        for name, message in OVERLAY_RESERVED.items():
            if name in spec:
                raise ValueError(message)
        return spec


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

    image: str = Field(max_length=512, json_schema_extra=IMAGE_RULES)
    """Image repository, without tag or digest; the tag is the version."""

    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    """CPU and memory of the component container."""

    config: str = Field(default="", max_length=65536)
    """Component configuration in TOML. The operator sets the keys it manages (names,
    addresses, data directory, peers); setting one of those here is an error."""

    update_strategy: UpdateStrategy = Field(default_factory=UpdateStrategy)
    """How changes reach running instances."""

    volumes: list[Volume]
    """Persistent volumes of each instance; one named `data` is required."""

    overlay: Overlay = Field(default_factory=Overlay)
    """Changes merged onto the generated Pod and PVCs."""

    CONFIG_DIR: ClassVar[str]
    """Where the operator mounts the instance's ConfigMap."""
    DATA_DIR: ClassVar[str]
    """The data directory unless the `type: data` mount names another path."""
    TLS_DIR: ClassVar[str]
    """Where the operator mounts the instance's cluster TLS Secret (TLS clusters only)."""

    @field_validator("image")
    @classmethod
    def _no_tag(cls, image: str) -> str:
        if not re.match(_IMAGE, image) or re.search(_IMAGE_TAG, image):
            raise ValueError(IMAGE_MESSAGE)
        return image

    @model_validator(mode="after")
    def _volumes_fit(self) -> ComponentSpec:
        check_volumes(self.volumes, self.CONFIG_DIR, self.DATA_DIR, self.TLS_DIR)
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

    min_ready_seconds: int = Field(default=0, ge=0, le=MAX_MIN_READY_SECONDS)
    """Seconds a new instance must be Ready before it counts as available (at most a
    day)."""

    schedule_policies: list[SchedulePolicy] = Field(
        default_factory=list,
        max_length=4,
        json_schema_extra=cel.validations(
            cel.rule(
                "self.all(p, size(self.filter(q, q.type == p.type)) == 1)",
                SCHEDULE_POLICIES_MESSAGE,
            )
        ),
    )
    """Placement policies for the instances, at most one of each type."""

    @field_validator("schedule_policies")
    @classmethod
    def _one_policy_per_type(cls, policies: list[SchedulePolicy]) -> list[SchedulePolicy]:
        types = [policy.type for policy in policies]
        if len(types) != len(set(types)):
            raise ValueError(SCHEDULE_POLICIES_MESSAGE)
        return policies


class FailoverRecord(ApiModel):
    """A replacement the operator made for a failed instance."""

    instance: str
    """The failed instance."""

    id: str | None = None
    """Its PD store or member id."""

    replacement: str | None = None
    """The instance created to replace it (TiKV); a PD instance is recreated in place."""

    pvc_uid: str | None = None
    """PD: uid of the data PVC the member ran on, which the failover deletes so that the
    instance comes back on a fresh one. Only the PVC with this uid is ever deleted."""

    reason: str
    """Why it was replaced."""

    time: datetime
    """When the failure was detected."""

    step: str
    """The last step completed, so a restarted operator resumes rather than repeats. PD:
    Detected, MemberDeleted, Recreated, then Completed (or Cancelled when the member
    recovered, failover was disabled or the instance deleted before its member was)."""


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
    """Revision every instance was at: the update revision once a rollout is done (every
    instance at it, Ready and up to date), until then the one before."""

    update_revision: str | None = None
    """Revision of the instances the spec asks for: the hash in the name of the group's
    newest ControllerRevision (<group>-<hash>) and in its instances'
    tikv.org/instance-revision-hash label."""

    collision_count: int | None = None
    """Counts revision-hash collisions, to make the next hash unique."""

    selector: str | None = None
    """Label selector of the instances, for the scale subresource."""

    version: str | None = None
    """Version of the template once a rollout to it is done (every instance at the update
    revision, Ready and up to date); until then the version reported before."""

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

    subdomain: DNS1035Label
    """Subdomain of the Pod: the group's headless peer Service. Immutable."""


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


GROUP_NAME_LABEL_MESSAGE = (
    "the name of a group must be a DNS-1035 label: lower-case letters, digits and '-', "
    "starting with a letter and ending with a letter or digit, such as basic; it names the "
    "group's Services and begins its Pods' hostnames"
)
INSTANCE_NAME_LABEL_MESSAGE = (
    "the name of an instance must be a DNS label: lower-case letters, digits and '-', "
    "starting and ending with a letter or digit; it is its Pod's hostname"
)
# Rules on the object's root see metadata.name; fieldPath reports them on the name (the
# schema names metadata.name for that, see apis.crd).
_NAME = ".metadata.name"


def group_rules(component: str) -> list[dict[str, Any]]:
    """CEL rules on a group object: a name valid for its Services, within the limits that
    keep the names of its PVCs valid."""
    limit = max_group_and_volume_length(component)
    return [
        cel.rule(
            f"self.metadata.name.matches({cel.regex(DNS1035_LABEL_PATTERN)})",
            GROUP_NAME_LABEL_MESSAGE,
            field_path=_NAME,
        ),
        cel.rule(
            "self.spec.template.spec.volumes.all(v, "
            f"size(self.metadata.name) + size(v.name) <= {limit})",
            group_name_message(component),
            field_path=_NAME,
        ),
    ]


def check_group_name(name: str | None, volumes: list[Volume], component: str) -> None:
    """The Python twin of group_rules."""
    if name is None:
        return
    try:
        check_dns1035_label(name)
    except ValueError:
        raise ValueError(GROUP_NAME_LABEL_MESSAGE) from None
    limit = max_group_and_volume_length(component)
    if any(len(name) + len(v.name) > limit for v in volumes):
        raise ValueError(group_name_message(component))


INSTANCE_NAME_MESSAGE = (
    f"the instance name and each volume name together must not exceed "
    f"{max_instance_and_volume_length()} characters, so that PVC names "
    f"(<volume>-<instance>) fit in {MAX_NAME}"
)
INSTANCE_RULES: list[dict[str, Any]] = [
    cel.rule(
        f"self.metadata.name.matches({cel.regex(DNS_LABEL_PATTERN)})",
        INSTANCE_NAME_LABEL_MESSAGE,
        field_path=_NAME,
    ),
    cel.rule(
        "self.spec.volumes.all(v, "
        f"size(self.metadata.name) + size(v.name) <= {max_instance_and_volume_length()})",
        INSTANCE_NAME_MESSAGE,
        field_path=_NAME,
    ),
    # A transition rule, on the root so that it always has the old object to compare with.
    cel.rule(
        "self.spec.subdomain == oldSelf.spec.subdomain",
        SUBDOMAIN_MESSAGE,
        field_path=".spec.subdomain",
    ),
]
"""CEL rules on an instance object."""


def check_instance_name(name: str | None, volumes: list[Volume]) -> None:
    """The Python twin of INSTANCE_RULES (but the transition rule)."""
    if name is None:
        return
    try:
        check_dns_label(name)
    except ValueError:
        raise ValueError(INSTANCE_NAME_LABEL_MESSAGE) from None
    limit = max_instance_and_volume_length()
    if any(len(name) + len(v.name) > limit for v in volumes):
        raise ValueError(INSTANCE_NAME_MESSAGE)
