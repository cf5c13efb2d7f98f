"""CustomResourceDefinitions generated from the models.

Pydantic's JSON schema is turned into a structural schema: references inlined, optional
values no longer `anyOf` with null, free-form objects marked to keep unknown fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from apis.cluster import Cluster
from apis.meta import GROUP, VERSION, Resource
from apis.pd import PD, PDGroup
from apis.tikv import TiKV, TiKVGroup

CATEGORY = "tikv-all"
"""`kubectl get tikv-all` lists every kind (not `tikv`: a category wins over the TiKV short
name, and `kubectl get tikv` must list TiKV instances)."""
_NULL = {"type": "null"}


def _column(name: str, path: str, type_: str = "string", priority: int = 0) -> dict[str, Any]:
    column: dict[str, Any] = {"name": name, "type": type_, "jsonPath": path}
    if priority:
        column["priority"] = priority
    return column


def _condition(type_: str) -> dict[str, Any]:
    return _column(type_, f'.status.conditions[?(@.type=="{type_}")].status')


def _reason(type_: str, name: str) -> dict[str, Any]:
    return _column(name, f'.status.conditions[?(@.type=="{type_}")].reason')


_AGE = _column("Age", ".metadata.creationTimestamp", "date")
# "Blocked why?" in one word (NotBlocked when nothing is); the message with -o wide.
_BLOCKED = (
    _reason("Blocked", "Blocked"),
    _column("Why", '.status.conditions[?(@.type=="Blocked")].message', priority=1),
)
_GROUP_COLUMNS = (
    _column("Desired", ".spec.replicas", "integer"),
    _column("Ready", ".status.readyReplicas", "integer"),
    _column("Updated", ".status.updatedReplicas", "integer"),
    _column("Version", ".status.version"),
    _condition("Synced"),
    *_BLOCKED,
    _column("Current", ".status.currentRevision", priority=1),
    _column("Update", ".status.updateRevision", priority=1),
    _AGE,
)


@dataclass(frozen=True)
class KindInfo:
    """What a CRD says about a kind beyond its schema."""

    model: type[Resource]
    singular: str
    short_names: tuple[str, ...]
    columns: tuple[dict[str, Any], ...]
    scalable: bool = False


KIND_INFOS = (
    KindInfo(
        Cluster,
        "cluster",
        ("tc",),
        (
            _column("PD", ".status.pd"),
            _condition("Available"),
            _condition("Ready"),
            _column("Version", ".status.version"),
            *_BLOCKED,
            _AGE,
        ),
    ),
    KindInfo(PDGroup, "pdgroup", ("pdg",), _GROUP_COLUMNS, scalable=True),
    KindInfo(
        PD,
        "pd",
        ("pd",),
        (
            _column("Member", ".status.id"),
            _column("Leader", ".status.isLeader", "boolean"),
            _condition("Ready"),
            _condition("Synced"),
            _column("Version", ".spec.version", priority=1),
            _AGE,
        ),
    ),
    KindInfo(TiKVGroup, "tikvgroup", ("kvg",), _GROUP_COLUMNS, scalable=True),
    KindInfo(
        TiKV,
        "tikv",
        ("tikv",),
        (
            _column("Store", ".status.id"),
            _column("State", ".status.stateName"),
            _condition("Ready"),
            _condition("Synced"),
            _column("Leaders", ".status.leaderCount", "integer", priority=1),
            _column("Regions", ".status.regionCount", "integer", priority=1),
            _column("Version", ".spec.version", priority=1),
            _AGE,
        ),
    ),
)


def crd(info: KindInfo) -> dict[str, Any]:
    """The CustomResourceDefinition of one kind."""
    subresources: dict[str, Any] = {"status": {}}
    if info.scalable:
        subresources["scale"] = {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.replicas",
            "labelSelectorPath": ".status.selector",
        }
    kind = info.model.KIND
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{info.model.PLURAL}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": info.model.PLURAL,
                "singular": info.singular,
                "shortNames": list(info.short_names),
                "categories": [CATEGORY],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": openapi_schema(info.model)},
                    "subresources": subresources,
                    "additionalPrinterColumns": list(info.columns),
                }
            ],
        },
    }


def all_crds() -> list[dict[str, Any]]:
    """The CRDs of the five kinds."""
    return [crd(info) for info in KIND_INFOS]


def file_name(definition: dict[str, Any]) -> str:
    """File name of a CRD in manifests/crd, such as core.tikv.org_tikvgroups.yaml."""
    spec = definition["spec"]
    return f"{spec['group']}_{spec['names']['plural']}.yaml"


def to_yaml(definition: dict[str, Any]) -> str:
    """A CRD as YAML, in the stable form that is committed."""
    return yaml.safe_dump(definition, sort_keys=True, width=100, allow_unicode=True)


class _WithObjectDefaults(GenerateJsonSchema):
    """Gives every object field that defaults to a model the default `{}`: the API server
    applies the defaults of nested fields only below an object that exists."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> Any:
        json_schema = super().default_schema(schema)
        factory = schema.get("default_factory")
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            json_schema["default"] = {}
        return json_schema


def openapi_schema(model: type[Resource]) -> dict[str, Any]:
    """The structural schema of a kind."""
    raw = model.model_json_schema(mode="validation", schema_generator=_WithObjectDefaults)
    schema = _structural(raw, raw.get("$defs", {}))
    properties = schema["properties"]
    # Status is the controllers' to write, defaults and all.
    properties["status"].pop("default", None)
    # The API server owns metadata's schema; apiVersion and kind are plain strings there.
    # Naming metadata.name lets a rule on the root report its error on the name (fieldPath).
    properties["metadata"] = {"type": "object", "properties": {"name": {"type": "string"}}}
    for name in ("apiVersion", "kind"):
        properties[name] = {"type": "string", "description": properties[name]["description"]}
    return schema


def _structural(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    node = _without_null(_resolved(node, defs), defs)
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "$defs") or (key == "default" and value is None):
            continue
        if key == "properties":
            result[key] = {name: _structural(prop, defs) for name, prop in value.items()}
        elif key == "items" or (key == "additionalProperties" and isinstance(value, dict)):
            result[key] = _structural(value, defs)
        elif key == "additionalProperties" and value is True:
            result["x-kubernetes-preserve-unknown-fields"] = True
        elif key == "const":
            result["enum"] = [value]
        elif key == "description":
            # Docstrings wrap lines; kubectl explain re-wraps text itself.
            result[key] = " ".join(value.split())
        else:
            result[key] = value
    return result


def _resolved(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in node:
        return node
    target = _resolved(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    # Keywords beside the reference (the field's description, its rules) win over the
    # referenced model's own.
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    rules = target.get("x-kubernetes-validations", []) + node.get("x-kubernetes-validations", [])
    if rules:
        merged["x-kubernetes-validations"] = rules
    return merged


def _without_null(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    branches = node.get("anyOf")
    if not branches or _NULL not in branches:
        return node
    (value,) = [branch for branch in branches if branch != _NULL]
    siblings = {k: v for k, v in node.items() if k != "anyOf"}
    return _resolved({**value, **siblings}, defs) if "$ref" in value else {**value, **siblings}
