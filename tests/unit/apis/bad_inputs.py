"""Invalid objects and the message a user gets for each, shared by the unit tests (pydantic)
and the integration tests (the real API server)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.apis import samples


@dataclass(frozen=True)
class BadInput:
    name: str
    document: Callable[[], dict[str, Any]]
    message: str
    """Part of the message the model gives."""
    server_message: str | None
    """Part of the message the API server gives; None when only the operator can tell."""


def _edit(
    base: Callable[[], dict[str, Any]], edit: Callable[[dict[str, Any]], None]
) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        document = base()
        edit(document)
        return document

    return build


def _template(document: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = document["spec"]["template"]["spec"]
    return spec


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = document
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value

    return edit


TOO_LONG_TIKV_GROUP = "g" * 47  # 47 + len("data") > 50
TOO_LONG_PD_GROUP = "g" * 49  # 49 + len("data") > 52
TOO_LONG_INSTANCE = "i" * 59  # 59 + len("data") > 62

BAD_INPUTS = [
    BadInput(
        "negative replicas",
        _edit(samples.tikv_group, _set("spec.replicas", -1)),
        "greater than or equal to 0",
        "should be greater than or equal to 0",
    ),
    BadInput(
        "missing data volume",
        _edit(
            samples.pd_group,
            lambda d: _template(d).update(
                volumes=[{"name": "logs", "storage": "1Gi", "mounts": [{"mountPath": "/logs"}]}]
            ),
        ),
        "a volume named 'data' is required",
        "a volume named 'data' is required",
    ),
    BadInput(
        "no volumes at all",
        _edit(samples.tikv_group, lambda d: _template(d).update(volumes=[])),
        "a volume named 'data' is required",
        "a volume named 'data' is required",
    ),
    BadInput(
        "version without leading v",
        _edit(samples.tikv_group, lambda d: _template(d).update(version="8.5.1")),
        "is not a semantic version with a leading 'v'",
        "spec.template.spec.version",
    ),
    BadInput(
        "version that is not semver",
        _edit(samples.pd_group, lambda d: _template(d).update(version="v8.5")),
        "is not a semantic version with a leading 'v'",
        "spec.template.spec.version",
    ),
    BadInput(
        "tikv group name too long for its PVC names",
        _edit(samples.tikv_group, _set("metadata.name", TOO_LONG_TIKV_GROUP)),
        "must not exceed 50 characters",
        "must not exceed 50 characters",
    ),
    BadInput(
        "pd group and volume names too long together",
        _edit(samples.pd_group, _set("metadata.name", TOO_LONG_PD_GROUP)),
        "must not exceed 52 characters",
        "must not exceed 52 characters",
    ),
    BadInput(
        "instance name too long for its PVC names",
        _edit(samples.tikv, _set("metadata.name", TOO_LONG_INSTANCE)),
        "must not exceed 62 characters",
        "must not exceed 62 characters",
    ),
    BadInput(
        "cluster name too long for a label value",
        _edit(samples.cluster, _set("metadata.name", "c" * 64)),
        "a Cluster name must not exceed 63 characters",
        "a Cluster name must not exceed 63 characters",
    ),
    BadInput(
        "unknown updateStrategy.config",
        _edit(
            samples.tikv_group, lambda d: _template(d).update(updateStrategy={"config": "Rolling"})
        ),
        "'Restart' or 'HotReload'",
        'supported values: "Restart", "HotReload"',
    ),
    BadInput(
        "unknown pvcRetentionPolicy",
        _edit(samples.cluster, _set("spec.pvcRetentionPolicy", "Keep")),
        "'Retain' or 'Delete'",
        'supported values: "Retain", "Delete"',
    ),
    BadInput(
        "managed key in TiKV config",
        _edit(
            samples.tikv_group,
            lambda d: _template(d).update(config='[server]\naddr = "0.0.0.0:20160"\n'),
        ),
        "config must not set 'server.addr', which the operator manages",
        None,
    ),
    BadInput(
        "managed key in PD config",
        _edit(samples.pd_group, lambda d: _template(d).update(config='name = "pd-0"\n')),
        "config must not set 'name', which the operator manages",
        None,
    ),
    BadInput(
        "unparsable TOML",
        _edit(samples.pd_group, lambda d: _template(d).update(config="[log\nlevel = 'info'")),
        "config is not valid TOML",
        None,
    ),
    BadInput(
        "storage that is not a quantity",
        _edit(samples.tikv_group, lambda d: _template(d)["volumes"][0].update(storage="lots")),
        "'lots' is not a quantity",
        "spec.template.spec.volumes[0].storage",
    ),
    BadInput(
        "negative storage",
        _edit(samples.tikv_group, lambda d: _template(d)["volumes"][0].update(storage="-20Gi")),
        "is not a quantity",
        "spec.template.spec.volumes[0].storage",
    ),
    BadInput(
        "duration that is not one",
        _edit(samples.tikv_group, lambda d: _template(d).update(evictLeaderTimeout="5 minutes")),
        "'5 minutes' is not a duration",
        "spec.template.spec.evictLeaderTimeout",
    ),
    BadInput(
        "mount with neither type nor path",
        _edit(samples.tikv_group, lambda d: _template(d)["volumes"][0].update(mounts=[{}])),
        "a mount needs a type or a mountPath",
        "a mount needs a type or a mountPath",
    ),
    BadInput(
        "cluster reference that is not a DNS label",
        _edit(samples.tikv_group, _set("spec.cluster.name", "Basic_Cluster")),
        "is not a DNS label",
        "spec.cluster.name",
    ),
]
