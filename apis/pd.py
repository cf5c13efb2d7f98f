"""PDGroup and PD: the Placement Driver members of a cluster."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from apis import cel, labels
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
from apis.config import PD_MANAGED_KEYS, parse_config
from apis.meta import ApiModel, Resource
from apis.types import Duration
from apis.volumes import Volume, volumes_field

COMPONENT = "pd"
CONFIG_DIR = "/etc/pd"
"""Where the operator mounts the instance's ConfigMap (pd.toml)."""
DATA_DIR = "/var/lib/pd"
"""PD's data directory unless the `type: data` mount names another path."""
TLS_DIR = "/var/lib/pd-tls"
"""Where the operator mounts the instance's cluster TLS Secret when the Cluster enables TLS."""
MAX_REPLICAS = 9
"""Most members of a PD group: PD is a Raft (etcd) group, where every member slows each
write; 3 or 5 is usual."""


class PDTemplateSpec(ComponentSpec):
    """Settings of each PD member."""

    CONFIG_DIR: ClassVar[str] = CONFIG_DIR
    DATA_DIR: ClassVar[str] = DATA_DIR
    TLS_DIR: ClassVar[str] = TLS_DIR

    image: str = Field(default="pingcap/pd", max_length=512, json_schema_extra=IMAGE_RULES)
    """Image repository, without tag or digest; the tag is the version."""

    volumes: list[Volume] = volumes_field(CONFIG_DIR, DATA_DIR, TLS_DIR)
    """Persistent volumes of each instance; one named `data` is required. Volumes may be
    added, not removed or renamed."""

    @field_validator("config")
    @classmethod
    def _no_managed_keys(cls, config: str) -> str:
        parse_config(config, PD_MANAGED_KEYS)
        return config


class PDTemplate(ApiModel):
    """Template of the PD instances of a group."""

    metadata: ObjectMetaTemplate = Field(default_factory=ObjectMetaTemplate)
    """Labels and annotations of the instances and their Pods."""

    spec: PDTemplateSpec
    """Settings of each PD member."""


class PDFailover(ApiModel):
    """Replacement of PD members that stay unhealthy."""

    enabled: bool = False
    """Whether to replace unhealthy members."""

    unhealthy_timeout: Duration = "5m"
    """How long a member must be unhealthy, with a healthy quorum left, before it is
    replaced."""


class PDGroupSpec(GroupSpec):
    """Desired state of a group of PD members."""

    replicas: int = Field(ge=0, le=MAX_REPLICAS)
    """Desired number of instances."""

    template: PDTemplate
    """Template of the instances."""

    failover: PDFailover = Field(default_factory=PDFailover)
    """Replacement of unhealthy members. Off by default."""


class PDGroup(Resource):
    """A group of PD members of one Cluster."""

    KIND: ClassVar[str] = "PDGroup"
    PLURAL: ClassVar[str] = "pdgroups"
    model_config = ConfigDict(json_schema_extra=cel.validations(*group_rules(COMPONENT)))

    kind: Literal["PDGroup"] = "PDGroup"
    """Kind of the object."""

    spec: PDGroupSpec
    """Desired state."""

    status: GroupStatus = Field(default_factory=GroupStatus)
    """Observed state."""

    @model_validator(mode="after")
    def _child_names_fit(self) -> PDGroup:
        check_group_name(self.metadata.name, self.spec.template.spec.volumes, COMPONENT)
        return self


class PDSpec(InstanceSpec, PDTemplateSpec):
    """Desired state of one PD member."""


class PDStatus(InstanceStatus):
    """Observed state of one PD member."""

    id: str | None = None
    """PD member id."""

    is_leader: bool = False
    """Whether this member is the PD leader."""

    health: bool = False
    """Whether PD reports this member healthy."""


class PD(Resource):
    """One PD member. Created by its PDGroup."""

    KIND: ClassVar[str] = "PD"
    PLURAL: ClassVar[str] = "pds"
    model_config = ConfigDict(json_schema_extra=cel.validations(*INSTANCE_RULES))

    kind: Literal["PD"] = "PD"
    """Kind of the object."""

    spec: PDSpec
    """Desired state."""

    status: PDStatus = Field(default_factory=PDStatus)
    """Observed state."""

    @model_validator(mode="after")
    def _child_names_fit(self) -> PD:
        check_instance_name(self.metadata.name, self.spec.volumes)
        return self


def initial_members(pd: PD) -> list[str]:
    """The members of a new cluster's bootstrap, from the annotation its group set on each of
    them (`labels.PD_INITIAL_CLUSTER`); empty for a member that joins later."""
    text = pd.metadata.annotations.get(labels.PD_INITIAL_CLUSTER, "")
    return [name for name in text.split(",") if name]
