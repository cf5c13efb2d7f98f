"""Invalid objects and the outcome each must have, shared by the unit tests (pydantic) and the
integration tests (the real API server).

A case names the field the API server reports and part of its message; the message says
what is wrong in words (no regex, no `<nil>`). Cases the API server cannot judge (the TOML in
`config`) have no server outcome: the operator refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.apis import samples

Document = dict[str, Any]


@dataclass(frozen=True)
class BadInput:
    name: str
    document: Callable[[], Document]
    message: str
    """Part of the message the model gives."""
    server_message: str | None
    """Part of the message the API server gives; None when only the operator can tell."""
    server_field: str | None = None
    """The field the API server reports it on, such as spec.template.spec.version."""


def _edit(base: Callable[[], Document], edit: Callable[[Document], None]) -> Callable[[], Document]:
    def build() -> Document:
        document = base()
        edit(document)
        return document

    return build


def _template(document: Document) -> Document:
    spec: Document = document["spec"]["template"]["spec"]
    return spec


def component(document: Document) -> Document:
    """The component spec: a group's template spec, or an instance's spec."""
    return _template(document) if "template" in document["spec"] else document["spec"]


def _set(path: str, value: Any) -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        *parents, leaf = path.split(".")
        node = document
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value

    return edit


def _spec(**fields: Any) -> Callable[[Document], None]:
    """Set fields of the component spec."""
    return lambda document: component(document).update(fields)


def _volumes(*volumes: Document) -> Callable[[Document], None]:
    return _spec(volumes=list(volumes))


def _data_volume(**fields: Any) -> Callable[[Document], None]:
    """Change the data volume (the first)."""
    return lambda document: component(document)["volumes"][0].update(fields)


def _data(*mounts: Document, storage: str = "20Gi") -> Document:
    return {"name": "data", "mounts": list(mounts), "storage": storage}


def _volume(name: str, *mounts: Document) -> Document:
    return {"name": name, "mounts": list(mounts), "storage": "1Gi"}


DATA_MOUNT = {"type": "data"}

TOO_LONG_TIKV_GROUP = "g" * 47  # 47 + len("data") > 50
TOO_LONG_PD_GROUP = "g" * 49  # 49 + len("data") > 52
TOO_LONG_INSTANCE = "i" * 59  # 59 + len("data") > 62

# Fields as the API server names them.
VOLUMES = "spec.template.spec.volumes"
VOLUME0 = f"{VOLUMES}[0]"
INSTANCE_VOLUMES = "spec.volumes"

_GENERAL = [
    BadInput(
        "negative replicas",
        _edit(samples.tikv_group, _set("spec.replicas", -1)),
        "greater than or equal to 0",
        "should be greater than or equal to 0",
        "spec.replicas",
    ),
    BadInput(
        "missing data volume",
        _edit(samples.pd_group, _volumes(_volume("logs", {"mountPath": "/logs"}))),
        "a volume named 'data' is required",
        "a volume named 'data' is required",
        VOLUMES,
    ),
    BadInput(
        "no volumes at all",
        _edit(samples.tikv_group, _volumes()),
        "a volume named 'data' is required",
        "a volume named 'data' is required",
        VOLUMES,
    ),
    BadInput(
        "version without leading v",
        _edit(samples.tikv_group, _spec(version="8.5.1")),
        "'8.5.1' is not a semantic version with a leading 'v', such as v8.5.1",
        "must be a semantic version with a leading 'v', such as v8.5.1",
        "spec.template.spec.version",
    ),
    BadInput(
        "version that is not semver",
        _edit(samples.pd_group, _spec(version="v8.5")),
        "'v8.5' is not a semantic version with a leading 'v'",
        "must be a semantic version with a leading 'v', such as v8.5.1",
        "spec.template.spec.version",
    ),
    BadInput(
        "unknown updateStrategy.config",
        _edit(samples.tikv_group, _spec(updateStrategy={"config": "Rolling"})),
        "'Restart' or 'HotReload'",
        'supported values: "Restart", "HotReload"',
        "spec.template.spec.updateStrategy.config",
    ),
    BadInput(
        "unknown pvcRetentionPolicy",
        _edit(samples.cluster, _set("spec.pvcRetentionPolicy", "Keep")),
        "'Retain' or 'Delete'",
        'supported values: "Retain", "Delete"',
        "spec.pvcRetentionPolicy",
    ),
    BadInput(
        "topology label set by hand in server.labels",
        _edit(samples.tikv_group, _spec(server={"labels": {"zone": "z1", "rack": "r1"}})),
        "server.labels must not set zone, region or host",
        "server.labels must not set zone, region or host",
        "spec.template.spec.server.labels",
    ),
    BadInput(
        "managed key in TiKV config",
        _edit(samples.tikv_group, _spec(config='[server]\naddr = "0.0.0.0:20160"\n')),
        "config must not set 'server.addr', which the operator manages",
        None,
    ),
    BadInput(
        "TLS certificate path in TiKV config (spec.tlsCluster is the way to TLS)",
        _edit(samples.tikv_group, _spec(config='[security]\ncert-path = "/certs/tls.crt"\n')),
        "config must not set 'security.cert-path', which the operator manages",
        None,
    ),
    BadInput(
        "TLS CA path in PD config (spec.tlsCluster is the way to TLS)",
        _edit(samples.pd_group, _spec(config='security.cacert-path = "/certs/ca.crt"\n')),
        "config must not set 'security.cacert-path', which the operator manages",
        None,
    ),
    BadInput(
        "managed key in PD config",
        _edit(samples.pd_group, _spec(config='name = "pd-0"\n')),
        "config must not set 'name', which the operator manages",
        None,
    ),
    BadInput(
        "unparsable TOML",
        _edit(samples.pd_group, _spec(config="[log\nlevel = 'info'")),
        "config is not valid TOML",
        None,
    ),
    BadInput(
        "cpu that is not a quantity",
        _edit(samples.tikv_group, _spec(resources={"cpu": "two"})),
        "'two' is not a quantity, such as 2, 500m or 8Gi",
        "must be a quantity, such as 2, 500m or 8Gi",
        "spec.template.spec.resources.cpu",
    ),
    BadInput(
        "negative memory",
        _edit(samples.pd, _spec(resources={"memory": "-8Gi"})),
        "'-8Gi' is not a quantity",
        "must be a quantity, such as 2, 500m or 8Gi",
        "spec.resources.memory",
    ),
    BadInput(
        "cluster reference that is not a DNS label",
        _edit(samples.tikv_group, _set("spec.cluster.name", "Basic_Cluster")),
        "'Basic_Cluster' is not a DNS label",
        "must be a DNS label: at most 63 lower-case letters, digits and '-'",
        "spec.cluster.name",
    ),
    BadInput(
        "two schedule policies of one type",
        _edit(
            samples.pd_group,
            _set(
                "spec.schedulePolicies",
                [
                    {
                        "type": "EvenlySpread",
                        "evenlySpread": {"topologies": [{"topology": {"zone": zone}}]},
                    }
                    for zone in ("a", "b")
                ],
            ),
        ),
        "schedulePolicies may hold at most one policy of each type",
        "schedulePolicies may hold at most one policy of each type",
        "spec.schedulePolicies",
    ),
]

_NAMES = [
    BadInput(
        "tikv group name too long for its PVC names",
        _edit(samples.tikv_group, _set("metadata.name", TOO_LONG_TIKV_GROUP)),
        "must not exceed 50 characters",
        "must not exceed 50 characters",
        "metadata.name",
    ),
    BadInput(
        "pd group and volume names too long together",
        _edit(samples.pd_group, _set("metadata.name", TOO_LONG_PD_GROUP)),
        "must not exceed 52 characters",
        "must not exceed 52 characters",
        "metadata.name",
    ),
    BadInput(
        "instance name too long for its PVC names",
        _edit(samples.tikv, _set("metadata.name", TOO_LONG_INSTANCE)),
        "must not exceed 62 characters",
        "must not exceed 62 characters",
        "metadata.name",
    ),
    BadInput(
        "cluster name too long for a label value",
        _edit(samples.cluster, _set("metadata.name", "c" * 64)),
        "a Cluster name must not exceed 63 characters",
        "a Cluster name must not exceed 63 characters",
        "metadata.name",
    ),
    BadInput(
        "group name starting with a digit (no Service may have it)",
        _edit(samples.tikv_group, _set("metadata.name", "1kv")),
        "the name of a group must be a DNS-1035 label",
        "the name of a group must be a DNS-1035 label",
        "metadata.name",
    ),
    BadInput(
        "group name with a dot (no Service or hostname may have it)",
        _edit(samples.pd_group, _set("metadata.name", "kv.east")),
        "the name of a group must be a DNS-1035 label",
        "the name of a group must be a DNS-1035 label",
        "metadata.name",
    ),
    BadInput(
        "instance name with a dot (not a hostname)",
        _edit(samples.tikv, _set("metadata.name", "basic-tikv.abc123")),
        "the name of an instance must be a DNS label",
        "the name of an instance must be a DNS label",
        "metadata.name",
    ),
    BadInput(
        "instance subdomain that is no Service name",
        _edit(samples.pd, _set("spec.subdomain", "1-pd-peer")),
        "'1-pd-peer' is not a DNS-1035 label",
        "must be a DNS-1035 label",
        "spec.subdomain",
    ),
]

_DATA_DIRECTORY = [
    BadInput(
        "data volume mounted by path only: the data directory is on no volume",
        _edit(samples.tikv_group, _data_volume(mounts=[{"mountPath": "/var/lib/tikv"}])),
        "the volume named 'data' must hold the data directory",
        "the volume named 'data' must hold the data directory",
        f"{VOLUME0}.mounts",
    ),
    BadInput(
        "pd data volume mounted by path only",
        _edit(samples.pd_group, _data_volume(mounts=[{"mountPath": "/data"}])),
        "the volume named 'data' must hold the data directory",
        "the volume named 'data' must hold the data directory",
        f"{VOLUME0}.mounts",
    ),
    BadInput(
        "tikv instance whose data volume is mounted by path only",
        _edit(samples.tikv, _data_volume(mounts=[{"mountPath": "/data", "subPath": "x"}])),
        "the volume named 'data' must hold the data directory",
        "the volume named 'data' must hold the data directory",
        f"{INSTANCE_VOLUMES}[0].mounts",
    ),
    BadInput(
        "data mount on another volume",
        _edit(samples.tikv_group, _volumes(_data(DATA_MOUNT), _volume("raft", DATA_MOUNT))),
        "only the volume named 'data' may have a mount of `type: data`",
        "only the volume named 'data' may have a mount of `type: data`",
        f"{VOLUMES}[1].mounts",
    ),
    BadInput(
        "two data mounts",
        _edit(
            samples.pd_group,
            _data_volume(mounts=[DATA_MOUNT, {"type": "data", "mountPath": "/data"}]),
        ),
        "a volume may have at most one mount of `type: data`",
        "a volume may have at most one mount of `type: data`",
        f"{VOLUME0}.mounts",
    ),
    BadInput(
        "volume named tls (the operator's TLS Secret volume)",
        _edit(samples.pd_group, _volumes(_data(DATA_MOUNT), _volume("tls", {"mountPath": "/t"}))),
        "a volume must not be named 'config' or 'tls'",
        "a volume must not be named 'config' or 'tls'",
        f"{VOLUMES}[1].name",
    ),
    BadInput(
        "volume named config (the operator's ConfigMap volume)",
        _edit(
            samples.tikv_group,
            _volumes(_data(DATA_MOUNT), _volume("config", {"mountPath": "/conf"})),
        ),
        "a volume must not be named 'config' or 'tls'",
        "a volume must not be named 'config' or 'tls'",
        f"{VOLUMES}[1].name",
    ),
]

_MOUNT_PATHS = [
    BadInput(
        "empty mountPath",
        _edit(samples.tikv_group, _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": ""}))),
        "mountPath must be an absolute path other than /",
        "mountPath must be an absolute path other than /",
        f"{VOLUMES}[1].mounts[0].mountPath",
    ),
    BadInput(
        "relative mountPath",
        _edit(
            samples.pd_group, _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": "logs"}))
        ),
        "mountPath must be an absolute path other than /",
        "mountPath must be an absolute path other than /",
        f"{VOLUMES}[1].mounts[0].mountPath",
    ),
    BadInput(
        "mountPath /",
        _edit(samples.tikv, _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": "/"}))),
        "mountPath must be an absolute path other than /",
        "mountPath must be an absolute path other than /",
        f"{INSTANCE_VOLUMES}[1].mounts[0].mountPath",
    ),
    BadInput(
        "mountPath with ..",
        _edit(
            samples.tikv_group,
            _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": "/var/log/../lib"})),
        ),
        "mountPath must not contain '.' or '..' segments",
        "mountPath must not contain '.' or '..' segments",
        f"{VOLUMES}[1].mounts[0].mountPath",
    ),
    BadInput(
        "mountPath with a trailing slash",
        _edit(samples.pd_group, _data_volume(mounts=[{"type": "data", "mountPath": "/data/"}])),
        "mountPath must not contain '.' or '..' segments, '//' or a trailing '/'",
        "mountPath must not contain '.' or '..' segments, '//' or a trailing '/'",
        f"{VOLUME0}.mounts[0].mountPath",
    ),
    BadInput(
        "two volumes mounted at one path",
        _edit(
            samples.tikv_group,
            _volumes(
                _data(DATA_MOUNT),
                _volume("logs", {"mountPath": "/logs"}),
                _volume("audit", {"mountPath": "/logs"}),
            ),
        ),
        "each mountPath may appear once across all volumes",
        "each mountPath may appear once across all volumes",
        VOLUMES,
    ),
    BadInput(
        "one volume mounted twice at one path",
        _edit(
            samples.pd,
            _volumes(
                _data(DATA_MOUNT),
                _volume("logs", {"mountPath": "/logs", "subPath": "a"}, {"mountPath": "/logs"}),
            ),
        ),
        "each mountPath may appear once across all volumes",
        "each mountPath may appear once across all volumes",
        INSTANCE_VOLUMES,
    ),
    BadInput(
        "mount inside the tikv TLS directory",
        _edit(
            samples.tikv_group,
            _volumes(_data(DATA_MOUNT), _volume("certs", {"mountPath": "/var/lib/tikv-tls/x"})),
        ),
        "no mountPath may be /var/lib/tikv-tls, lie inside it or contain it",
        "no mountPath may be /var/lib/tikv-tls, lie inside it or contain it",
        VOLUMES,
    ),
    BadInput(
        "mount at the pd TLS directory",
        _edit(
            samples.pd,
            _volumes(_data(DATA_MOUNT), _volume("certs", {"mountPath": "/var/lib/pd-tls"})),
        ),
        "no mountPath may be /var/lib/pd-tls, lie inside it or contain it",
        "no mountPath may be /var/lib/pd-tls, lie inside it or contain it",
        INSTANCE_VOLUMES,
    ),
    BadInput(
        "mount at the tikv config directory",
        _edit(
            samples.tikv_group,
            _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": "/etc/tikv"})),
        ),
        "no mountPath may be /etc/tikv, lie inside it or contain it",
        "no mountPath may be /etc/tikv, lie inside it or contain it",
        VOLUMES,
    ),
    BadInput(
        "mount inside the pd config directory",
        _edit(
            samples.pd_group,
            _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": "/etc/pd/log"})),
        ),
        "no mountPath may be /etc/pd, lie inside it or contain it",
        "no mountPath may be /etc/pd, lie inside it or contain it",
        VOLUMES,
    ),
    BadInput(
        "mount containing the tikv config directory",
        _edit(samples.tikv, _volumes(_data(DATA_MOUNT), _volume("etc", {"mountPath": "/etc"}))),
        "no mountPath may be /etc/tikv, lie inside it or contain it",
        "no mountPath may be /etc/tikv, lie inside it or contain it",
        INSTANCE_VOLUMES,
    ),
    BadInput(
        "data directory inside the pd config directory",
        _edit(samples.pd, _data_volume(mounts=[{"type": "data", "mountPath": "/etc/pd/data"}])),
        "no mountPath may be /etc/pd, lie inside it or contain it",
        "no mountPath may be /etc/pd, lie inside it or contain it",
        INSTANCE_VOLUMES,
    ),
    BadInput(
        "another volume at the default tikv data directory",
        _edit(
            samples.tikv_group,
            _volumes(_data(DATA_MOUNT), _volume("logs", {"mountPath": "/var/lib/tikv"})),
        ),
        "no mount but the `type: data` one may be the data directory (its mountPath, or "
        "/var/lib/tikv when it has none)",
        "no mount but the `type: data` one may be the data directory (its mountPath, or "
        "/var/lib/tikv when it has none)",
        VOLUMES,
    ),
    BadInput(
        "another volume inside the pd data directory of a data volume without mounts",
        _edit(
            samples.pd_group,
            _volumes(_data(), _volume("logs", {"mountPath": "/var/lib/pd/logs"})),
        ),
        "may be the data directory (its mountPath, or /var/lib/pd when it has none)",
        "may be the data directory (its mountPath, or /var/lib/pd when it has none)",
        VOLUMES,
    ),
    BadInput(
        "another volume at a custom data directory",
        _edit(
            samples.tikv,
            _volumes(
                _data({"type": "data", "mountPath": "/data"}),
                _volume("logs", {"mountPath": "/data"}),
            ),
        ),
        "no mount but the `type: data` one may be the data directory",
        "no mount but the `type: data` one may be the data directory",
        INSTANCE_VOLUMES,
    ),
    BadInput(
        "another volume containing the data directory",
        _edit(
            samples.tikv_group,
            _volumes(
                _data({"type": "data", "mountPath": "/data/tikv"}),
                _volume("logs", {"mountPath": "/data"}),
            ),
        ),
        "no mount but the `type: data` one may be the data directory",
        "no mount but the `type: data` one may be the data directory",
        VOLUMES,
    ),
    BadInput(
        "the data volume's second mount inside the data directory",
        _edit(
            samples.tikv_group,
            _data_volume(
                mounts=[DATA_MOUNT, {"mountPath": "/var/lib/tikv/raft", "subPath": "raft"}]
            ),
        ),
        "no mount but the `type: data` one may be the data directory",
        "no mount but the `type: data` one may be the data directory",
        VOLUMES,
    ),
    BadInput(
        "mount with neither type nor path",
        _edit(samples.tikv_group, _data_volume(mounts=[{}])),
        "a mount needs a type or a mountPath",
        "a mount needs a type or a mountPath",
        f"{VOLUME0}.mounts[0]",
    ),
    BadInput(
        "absolute subPath",
        _edit(samples.tikv_group, _data_volume(mounts=[{"type": "data", "subPath": "/tikv"}])),
        "subPath must be a relative path inside the volume, without '..'",
        "subPath must be a relative path inside the volume, without '..'",
        f"{VOLUME0}.mounts[0].subPath",
    ),
    BadInput(
        "subPath out of the volume",
        _edit(samples.pd_group, _data_volume(mounts=[{"type": "data", "subPath": "../x"}])),
        "subPath must be a relative path inside the volume, without '..'",
        "subPath must be a relative path inside the volume, without '..'",
        f"{VOLUME0}.mounts[0].subPath",
    ),
    BadInput(
        "subPath climbing out midway",
        _edit(
            samples.tikv,
            _volumes(_data(), _volume("logs", {"mountPath": "/logs", "subPath": "a/../../b"})),
        ),
        "subPath must be a relative path inside the volume, without '..'",
        "subPath must be a relative path inside the volume, without '..'",
        f"{INSTANCE_VOLUMES}[1].mounts[0].subPath",
    ),
]

_STORAGE_UNIT = "a size with a unit, such as 20Gi or 500Mi"
_STORAGE = [
    BadInput(
        f"storage {value!r} (bytes)",
        _edit(samples.tikv_group, _data_volume(storage=value)),
        f"{value!r} is not {_STORAGE_UNIT}",
        f"must be {_STORAGE_UNIT} (a plain number such as 20, a milli value such as 500m or an "
        "exponent such as 1e3 counts bytes)",
        f"{VOLUME0}.storage",
    )
    for value in ("20", "500m", "1e3", "lots", "-20Gi", "1.5e3Gi")
] + [
    BadInput(
        "storage as a YAML number (bytes)",
        _edit(samples.tikv_group, _data_volume(storage=20)),
        f"20 is not {_STORAGE_UNIT}",
        # Storage is a string in the schema (see apis.types.Storage), so the API server
        # refuses a number by its type; CEL rules do not run on a value of the wrong type.
        "must be of type string",
        f"{VOLUME0}.storage",
    ),
    BadInput(
        "storage 0",
        _edit(samples.pd_group, _data_volume(storage="0Gi")),
        "storage must be greater than 0, such as 20Gi",
        "storage must be greater than 0, such as 20Gi",
        f"{VOLUME0}.storage",
    ),
    BadInput(
        "instance storage 0",
        _edit(samples.tikv, _data_volume(storage="0Mi")),
        "storage must be greater than 0, such as 20Gi",
        "storage must be greater than 0, such as 20Gi",
        f"{INSTANCE_VOLUMES}[0].storage",
    ),
]

_IMAGE = "image must be an image repository without a tag or digest"
_IMAGES = [
    BadInput(
        f"image {image!r} beside a version",
        _edit(base, _spec(image=image)),
        _IMAGE,
        f"{_IMAGE}, such as pingcap/tikv or registry.example.com:5000/pingcap/tikv: the "
        "operator appends ':' and the version",
        field,
    )
    for base, image, field in (
        (samples.tikv_group, "pingcap/tikv:v8.5.1", "spec.template.spec.image"),
        (
            samples.pd_group,
            "registry.example.com:5000/pingcap/pd:v8.5.1",
            "spec.template.spec.image",
        ),
        (samples.tikv, "pingcap/tikv@sha256:0123abcd", "spec.image"),
        (samples.pd, "", "spec.image"),
    )
]

_DURATION = "a duration, such as 30s, 5m or 1h30m: numbers of at most 5 digits"
_BOUNDS = [
    BadInput(
        "duration that is not one",
        _edit(samples.tikv_group, _spec(evictLeaderTimeout="5 minutes")),
        f"'5 minutes' is not {_DURATION}",
        f"must be {_DURATION}",
        "spec.template.spec.evictLeaderTimeout",
    ),
    BadInput(
        "duration that overflows",
        _edit(samples.tikv_group, _spec(evictLeaderTimeout="99999999999h")),
        f"'99999999999h' is not {_DURATION}",
        f"must be {_DURATION}",
        "spec.template.spec.evictLeaderTimeout",
    ),
    BadInput(
        "eviction timeout over a day",
        _edit(samples.tikv, _spec(evictLeaderTimeout="24h1s")),
        "'24h1s' is too long: it must be at most 24h",
        "must be at most 24h, such as 5m or 1h30m",
        "spec.evictLeaderTimeout",
    ),
    BadInput(
        "store-down timeout over a day",
        _edit(samples.tikv_group, _set("spec.failover.storeDownTimeout", "48h")),
        "'48h' is too long: it must be at most 24h",
        "must be at most 24h, such as 5m or 1h30m",
        "spec.failover.storeDownTimeout",
    ),
    BadInput(
        "pd unhealthy timeout in too many digits",
        _edit(samples.pd_group, _set("spec.failover.unhealthyTimeout", "100000s")),
        f"'100000s' is not {_DURATION}",
        f"must be {_DURATION}",
        "spec.failover.unhealthyTimeout",
    ),
    BadInput(
        "pd replicas above 9",
        _edit(samples.pd_group, _set("spec.replicas", 10)),
        "less than or equal to 9",
        "should be less than or equal to 9",
        "spec.replicas",
    ),
    BadInput(
        "tikv replicas above 1000",
        _edit(samples.tikv_group, _set("spec.replicas", 1001)),
        "less than or equal to 1000",
        "should be less than or equal to 1000",
        "spec.replicas",
    ),
    BadInput(
        "minReadySeconds over a day",
        _edit(samples.tikv_group, _set("spec.minReadySeconds", 86401)),
        "less than or equal to 86400",
        "should be less than or equal to 86400",
        "spec.minReadySeconds",
    ),
]

_OVERLAYS = [
    BadInput(
        "overlay hostname",
        _edit(samples.tikv_group, _spec(overlay={"pod": {"spec": {"hostname": "tikv-0"}}})),
        "overlay.pod.spec must not set hostname",
        "overlay.pod.spec must not set hostname",
        "spec.template.spec.overlay.pod.spec.hostname",
    ),
    BadInput(
        "overlay subdomain",
        _edit(samples.pd, _spec(overlay={"pod": {"spec": {"subdomain": "elsewhere"}}})),
        "overlay.pod.spec must not set subdomain",
        "overlay.pod.spec must not set subdomain",
        "spec.overlay.pod.spec.subdomain",
    ),
]

BAD_INPUTS = [
    *_GENERAL,
    *_NAMES,
    *_DATA_DIRECTORY,
    *_MOUNT_PATHS,
    *_STORAGE,
    *_IMAGES,
    *_BOUNDS,
    *_OVERLAYS,
]
