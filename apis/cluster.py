"""Cluster: cluster-wide settings and the aggregated state of one TiKV cluster."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from apis import cel
from apis.common import CONDITIONS_SCHEMA, MAX_CONDITIONS
from apis.meta import ApiModel, Condition, Resource
from apis.names import MAX_NAME

NAME_MESSAGE = f"a Cluster name must not exceed {MAX_NAME} characters: it is used as a label value"
TLS_MESSAGE = "spec.tlsCluster.enabled is immutable: TLS cannot be turned on or off after creation"


class SuspendAction(ApiModel):
    """What to suspend."""

    suspend_compute: bool = False
    """Delete every Pod of the cluster and keep the PVCs."""


class TLSCluster(ApiModel):
    """TLS between the components of the cluster."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {"rule": "self.enabled == oldSelf.enabled", "message": TLS_MESSAGE}
            ]
        }
    )

    enabled: bool = False
    """Whether components talk TLS to each other. Immutable."""


class ClusterSpec(ApiModel):
    """Desired state of a cluster."""

    paused: bool = False
    """Stop reconciling the cluster and everything in it."""

    suspend_action: SuspendAction = Field(default_factory=SuspendAction)
    """What to suspend."""

    upgrade_policy: Literal["Default"] = "Default"
    """Order of upgrades. `Default`: PD before TiKV."""

    revision_history_limit: int = Field(default=10, ge=0)
    """How many old revisions of each group to keep."""

    # The API server checks a default against the rules below it without defaulting its
    # fields first, so the default spells `enabled` out.
    tls_cluster: TLSCluster = Field(
        default_factory=TLSCluster, json_schema_extra={"default": {"enabled": False}}
    )
    """TLS between components. Immutable."""

    pvc_retention_policy: Literal["Retain", "Delete"] = "Retain"
    """What happens to the PVCs of a removed instance: `Retain` keeps them, `Delete`
    deletes them."""

    delete_protection: bool = False
    """Refuse to delete the cluster while set."""


class ComponentStatus(ApiModel):
    """Instances of one kind in the cluster."""

    kind: str
    """PD or TiKV."""

    replicas: int = 0
    """Number of instances."""

    ready_replicas: int = 0
    """Number of Ready instances."""


class ClusterStatus(ApiModel):
    """Observed state of a cluster."""

    observed_generation: int | None = None
    """The .metadata.generation this status describes."""

    conditions: list[Condition] = Field(
        default_factory=list, max_length=MAX_CONDITIONS, json_schema_extra=CONDITIONS_SCHEMA
    )
    """Available, Ready, Synced, Progressing, Suspended, Blocked, Consistent."""

    pd: str | None = None
    """URL of the PD client Service."""

    id: str | None = None
    """PD cluster id, recorded at first contact."""

    components: list[ComponentStatus] = Field(default_factory=list)
    """Instances per kind."""

    version: str | None = None
    """Version the cluster runs, when every component agrees."""


class Cluster(Resource):
    """One TiKV cluster: cluster-wide settings and aggregated status. Its PDGroups and
    TiKVGroups refer to it by name."""

    KIND: ClassVar[str] = "Cluster"
    PLURAL: ClassVar[str] = "clusters"
    model_config = ConfigDict(
        json_schema_extra=cel.validations(
            cel.rule(
                f"size(self.metadata.name) <= {MAX_NAME}", NAME_MESSAGE, field_path=".metadata.name"
            )
        )
    )

    kind: Literal["Cluster"] = "Cluster"
    """Kind of the object."""

    spec: ClusterSpec = Field(default_factory=ClusterSpec)
    """Desired state."""

    status: ClusterStatus = Field(default_factory=ClusterStatus)
    """Observed state."""

    @model_validator(mode="after")
    def _name_fits(self) -> Cluster:
        if self.metadata.name is not None and len(self.metadata.name) > MAX_NAME:
            raise ValueError(NAME_MESSAGE)
        return self
