"""Kubernetes object metadata and conditions, shared by all five kinds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

GROUP = "core.tikv.org"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"


class ApiModel(BaseModel):
    """Base of every API type: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
        # Objects read from the API server carry fields newer than this code; keep working.
        extra="ignore",
    )

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON-ready data holding only the fields that were given.

        Defaults stay out, so the result says exactly what its author meant: what
        server-side apply needs, and what round-trips a dict read from the API server.
        """
        return self.model_dump(mode="json", exclude_unset=True)


class OwnerReference(ApiModel):
    """Points at the object that owns this one."""

    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(ApiModel):
    """The part of Kubernetes object metadata the operator reads and writes."""

    name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    generation: int | None = None
    resource_version: str | None = None
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_references: list[OwnerReference] = Field(default_factory=list)
    finalizers: list[str] = Field(default_factory=list)


class Condition(ApiModel):
    """One aspect of the object's state, in the shape of metav1.Condition."""

    type: str = Field(
        max_length=316,
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
        r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    )
    """Type of condition in CamelCase, such as Ready."""

    status: Literal["True", "False", "Unknown"]
    """Status of the condition: True, False or Unknown."""

    observed_generation: int | None = Field(default=None, ge=0)
    """The .metadata.generation the condition was set for."""

    last_transition_time: datetime
    """When the condition last changed from one status to another."""

    reason: str = Field(
        min_length=1, max_length=1024, pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"
    )
    """Programmatic identifier of the reason for the last transition, in CamelCase."""

    message: str = Field(max_length=32768)
    """Human-readable details about the transition."""


class Resource(ApiModel):
    """Common envelope of the five kinds."""

    KIND: ClassVar[str]
    PLURAL: ClassVar[str]

    api_version: str = API_VERSION
    """APIVersion defines the versioned schema of this representation of an object."""

    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""

    @model_validator(mode="after")
    def _envelope_is_always_given(self) -> Resource:
        # apiVersion and kind identify the object, so to_dict must never leave them out.
        self.model_fields_set.update({"api_version", "kind"})
        return self
