"""Persistent volumes of an instance and where they are mounted, with the rules that keep the
data directory on a volume and every mount where the API server and kubelet accept it.

Each rule is written twice: as CEL for the API server, and in Python for the operator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from apis import cel
from apis.meta import ApiModel
from apis.types import DNSLabel, Storage

MAX_VOLUMES = 16
MAX_MOUNTS = 8
"""Limits that keep the pairwise mount checks within the API server's CEL cost budget."""
MAX_PATH = 256

DATA_VOLUME = "data"
CONFIG_VOLUME = "config"
"""Name of the Pod volume holding the instance's ConfigMap; no user volume may take it."""
TLS_VOLUME = "tls"
"""Name of the Pod volume holding the instance's cluster TLS Secret (TLS clusters only); no
user volume may take it either."""
RESERVED_VOLUMES = (CONFIG_VOLUME, TLS_VOLUME)
DATA_MOUNT = "data"
"""The mount type that makes a mount the component's data directory."""

DATA_VOLUME_MESSAGE = "a volume named 'data' is required"
MOUNT_MESSAGE = "a mount needs a type or a mountPath"
MOUNT_PATH_ABSOLUTE = "mountPath must be an absolute path other than /, such as /var/log/tikv"
MOUNT_PATH_CLEAN = (
    "mountPath must not contain '.' or '..' segments, '//' or a trailing '/', such as /var/log/tikv"
)
SUB_PATH_MESSAGE = "subPath must be a relative path inside the volume, without '..', such as logs"
RESERVED_VOLUME_MESSAGE = (
    f"a volume must not be named '{CONFIG_VOLUME}' or '{TLS_VOLUME}': the operator mounts the "
    "instance's ConfigMap and its TLS certificates under those names; choose another, such as "
    "logs"
)
DATA_NOT_MOUNTED_MESSAGE = (
    "the volume named 'data' must hold the data directory: give it a mount with "
    "`type: data` (or no mounts at all); with only other mounts the data directory lies on "
    "no volume and every Pod recreation would wipe it"
)
DATA_MOUNT_ELSEWHERE_MESSAGE = (
    "only the volume named 'data' may have a mount of `type: data` (the data directory)"
)
ONE_DATA_MOUNT_MESSAGE = (
    "a volume may have at most one mount of `type: data`: the component has one data directory"
)
UNIQUE_MOUNT_PATHS_MESSAGE = (
    "each mountPath may appear once across all volumes: a Pod cannot mount two volumes at one path"
)
VOLUME_REMOVED_MESSAGE = (
    "a volume cannot be removed or renamed: the PVC each instance has for it holds data the "
    "operator would orphan, and a renamed volume starts empty; volumes may be added. To drop "
    "one, create a new group without it and scale this one in"
)
STORAGE_CLASS_MESSAGE = (
    "storageClassName of a volume cannot change: a PVC's storage class is fixed when it is "
    "created, so the operator cannot apply it; create a new group with the new class and "
    "scale this one in"
)
DATA_SUB_PATH_MESSAGE = (
    "the subPath of the `type: data` mount cannot change: the data directory would move to "
    "another, empty, directory of the volume"
)


def config_dir_message(config_dir: str) -> str:
    return (
        f"no mountPath may be {config_dir}, lie inside it or contain it: the operator mounts "
        "the instance's config there"
    )


def tls_dir_message(tls_dir: str) -> str:
    return (
        f"no mountPath may be {tls_dir}, lie inside it or contain it: the operator mounts "
        "the instance's TLS certificates there"
    )


def data_dir_message(data_dir: str) -> str:
    return (
        "no mount but the `type: data` one may be the data directory (its mountPath, or "
        f"{data_dir} when it has none), lie inside it or contain it: it would hide the data "
        "or mix with it"
    )


_UNCLEAN_PATH = r"//|/\.\.?(/|$)|/$"
_BACKSTEP = r"(^|/)\.\.(/|$)"


class VolumeMount(ApiModel):
    """Where a volume is mounted in the component container."""

    model_config = ConfigDict(
        json_schema_extra=cel.validations(
            cel.rule("has(self.type) || has(self.mountPath)", MOUNT_MESSAGE)
        )
    )

    type: Literal["data"] | None = None
    """What the mount holds. `data` is the component's data directory; mountPath then
    defaults to the component's data directory."""

    mount_path: str | None = Field(
        default=None,
        max_length=MAX_PATH,
        json_schema_extra=cel.validations(
            cel.rule("self.startsWith('/') && self != '/'", MOUNT_PATH_ABSOLUTE),
            cel.rule(f"!self.matches({cel.regex(_UNCLEAN_PATH)})", MOUNT_PATH_CLEAN),
        ),
    )
    """Absolute path in the container, such as /var/log/tikv. Required unless type is
    set. It may not be, lie inside or contain the config directory or (for mounts other than
    the data mount) the data directory."""

    sub_path: str | None = Field(
        default=None,
        max_length=MAX_PATH,
        json_schema_extra=cel.validations(
            cel.rule(
                f"!self.startsWith('/') && !self.matches({cel.regex(_BACKSTEP)})",
                SUB_PATH_MESSAGE,
            )
        ),
    )
    """Relative path inside the volume to mount instead of its root, such as logs."""

    @field_validator("mount_path")
    @classmethod
    def _clean_absolute_path(cls, path: str | None) -> str | None:
        if path is not None:
            if not path.startswith("/") or path == "/":
                raise ValueError(MOUNT_PATH_ABSOLUTE)
            if re.search(_UNCLEAN_PATH, path):
                raise ValueError(MOUNT_PATH_CLEAN)
        return path

    @field_validator("sub_path")
    @classmethod
    def _relative_path(cls, path: str | None) -> str | None:
        if path is not None and (path.startswith("/") or re.search(_BACKSTEP, path)):
            raise ValueError(SUB_PATH_MESSAGE)
        return path

    @model_validator(mode="after")
    def _type_or_path(self) -> VolumeMount:
        if self.type is None and self.mount_path is None:
            raise ValueError(MOUNT_MESSAGE)
        return self


_HAS_DATA_MOUNT = "self.mounts.exists(m, has(m.type))"


def _sub_path(mount: str) -> str:
    return f"(has({mount}.subPath) ? {mount}.subPath : '')"


def _data_sub_path_in(mounts: str, other: str, other_mount: str) -> str:
    """CEL: every data mount of `mounts` with a subPath has its match among the data mounts
    of `other` (`has(m.type)` means `type: data`)."""
    return (
        f"(!has({mounts}) || {mounts}.all(m, !has(m.type) || {_sub_path('m')} == '' || "
        f"(has({other}) && {other}.exists({other_mount}, has({other_mount}.type) && "
        f"{_sub_path(other_mount)} == {_sub_path('m')}))))"
    )


# The data subPath is the same before and after: each side's is found on the other. (Picking
# it out with filter()[0] and comparing exceeds the CEL cost budget many times over.)
_SAME_DATA_SUB_PATH = (
    f"{_data_sub_path_in('self.mounts', 'oldSelf.mounts', 'n')} && "
    f"{_data_sub_path_in('oldSelf.mounts', 'self.mounts', 'n')}"
)


class Volume(ApiModel):
    """A persistent volume of each instance, backed by a PersistentVolumeClaim named
    `<volume>-<instance>`."""

    model_config = ConfigDict(
        json_schema_extra=cel.validations(
            cel.rule(
                f"!(self.name in {list(RESERVED_VOLUMES)})",
                RESERVED_VOLUME_MESSAGE,
                field_path=".name",
            ),
            cel.rule(
                f"self.name != '{DATA_VOLUME}' || !has(self.mounts) || size(self.mounts) == 0 "
                f"|| {_HAS_DATA_MOUNT}",
                DATA_NOT_MOUNTED_MESSAGE,
                field_path=".mounts",
            ),
            cel.rule(
                f"self.name == '{DATA_VOLUME}' || !has(self.mounts) || !{_HAS_DATA_MOUNT}",
                DATA_MOUNT_ELSEWHERE_MESSAGE,
                field_path=".mounts",
            ),
            cel.rule(
                "!has(self.mounts) || size(self.mounts.filter(m, has(m.type))) <= 1",
                ONE_DATA_MOUNT_MESSAGE,
                field_path=".mounts",
            ),
            # Transition rules: they run on updates, for a volume of the same name.
            cel.rule(
                "(has(self.storageClassName) ? self.storageClassName : '') == "
                "(has(oldSelf.storageClassName) ? oldSelf.storageClassName : '')",
                STORAGE_CLASS_MESSAGE,
                field_path=".storageClassName",
            ),
            cel.rule(
                f"self.name != '{DATA_VOLUME}' || ({_SAME_DATA_SUB_PATH})",
                DATA_SUB_PATH_MESSAGE,
                field_path=".mounts",
            ),
        )
    )

    name: DNSLabel
    """Name of the volume; part of the PVC name. `config` and `tls` are reserved."""

    mounts: list[VolumeMount] = Field(default_factory=list, max_length=MAX_MOUNTS)
    """Where to mount the volume. The volume named `data` holds the data directory: it needs
    a mount of `type: data`, or no mounts at all."""

    storage: Storage
    """Requested size with a unit, such as 20Gi. It may grow (if the storage class allows
    expansion) but never shrink."""

    storage_class_name: str | None = Field(default=None, max_length=253)
    """StorageClass of the PVC; the cluster default when unset. Immutable."""

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_VOLUMES:
            raise ValueError(RESERVED_VOLUME_MESSAGE)
        return name

    @model_validator(mode="after")
    def _data_mount_on_data_volume(self) -> Volume:
        data_mounts = [m for m in self.mounts if m.type == DATA_MOUNT]
        if self.name == DATA_VOLUME and self.mounts and not data_mounts:
            raise ValueError(DATA_NOT_MOUNTED_MESSAGE)
        if self.name != DATA_VOLUME and data_mounts:
            raise ValueError(DATA_MOUNT_ELSEWHERE_MESSAGE)
        if len(data_mounts) > 1:
            raise ValueError(ONE_DATA_MOUNT_MESSAGE)
        return self


def _path(mount: str, data_dir: str) -> str:
    """CEL: where a mount is, the data directory standing in for a data mount's default."""
    return f"(has({mount}.mountPath) ? {mount}.mountPath : {cel.string(data_dir)})"


def _clear_of(directory: str, message: str) -> dict[str, Any]:
    """CEL: no mount is, lies inside or contains `directory`, which the operator mounts."""
    return cel.rule(
        "self.all(v, !has(v.mounts) || v.mounts.all(m, !has(m.mountPath) || "
        f"!{cel.collides('m.mountPath', cel.string(directory))}))",
        message,
    )


def volumes_rules(config_dir: str, data_dir: str, tls_dir: str) -> list[dict[str, Any]]:
    """CEL rules on the volumes of a component whose config is mounted at `config_dir`, its
    TLS certificates at `tls_dir`, and whose data directory defaults to `data_dir`."""
    default_data = cel.string(data_dir)
    same_path = "has(n.mountPath) && n.mountPath == m.mountPath"
    hits_data = cel.collides("m.mountPath", _path("n", data_dir))
    hits_default_data = cel.collides("m.mountPath", default_data)
    return [
        cel.rule(f"self.exists(v, v.name == '{DATA_VOLUME}')", DATA_VOLUME_MESSAGE),
        _clear_of(config_dir, config_dir_message(config_dir)),
        _clear_of(tls_dir, tls_dir_message(tls_dir)),
        # Every mount but the data mount stays clear of the data directory: the path of the
        # data volume's `type: data` mount, or the default when the data volume has no mounts.
        cel.rule(
            "self.all(v, !has(v.mounts) || v.mounts.all(m, has(m.type) || !has(m.mountPath) || "
            "self.all(w, has(w.mounts) && size(w.mounts) > 0 "
            f"? w.mounts.all(n, !has(n.type) || !{hits_data}) "
            f": (w.name != '{DATA_VOLUME}' || !{hits_default_data}))))",
            data_dir_message(data_dir),
        ),
        cel.rule(
            "self.all(v, !has(v.mounts) || v.mounts.all(m, !has(m.mountPath) || "
            f"(size(v.mounts.filter(n, {same_path})) == 1 && "
            "self.all(w, w.name == v.name || !has(w.mounts) || "
            f"!w.mounts.exists(n, {same_path})))))",
            UNIQUE_MOUNT_PATHS_MESSAGE,
        ),
        # A transition rule: on updates, every volume there was is still there.
        cel.rule("oldSelf.all(o, self.exists(v, v.name == o.name))", VOLUME_REMOVED_MESSAGE),
    ]


def volumes_field(config_dir: str, data_dir: str, tls_dir: str) -> Any:
    """The `volumes` field of a component's spec, with its rules."""
    return Field(
        max_length=MAX_VOLUMES,
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            **cel.validations(*volumes_rules(config_dir, data_dir, tls_dir)),
        },
    )


def data_dir_of(volumes: Sequence[Volume], default: str) -> str:
    """The data directory: the path of the `type: data` mount, else `default`."""
    for volume in volumes:
        for mount in volume.mounts:
            if mount.type == DATA_MOUNT and mount.mount_path:
                return mount.mount_path
    return default


def check_volumes(volumes: Sequence[Volume], config_dir: str, data_dir: str, tls_dir: str) -> None:
    """The Python twin of volumes_rules (but the transition rule)."""
    if not any(volume.name == DATA_VOLUME for volume in volumes):
        raise ValueError(DATA_VOLUME_MESSAGE)
    data = data_dir_of(volumes, data_dir)
    seen: set[str] = set()
    for volume in volumes:
        for mount in volume.mounts:
            if mount.mount_path is None:
                continue
            if cel.path_collides(mount.mount_path, config_dir):
                raise ValueError(config_dir_message(config_dir))
            if cel.path_collides(mount.mount_path, tls_dir):
                raise ValueError(tls_dir_message(tls_dir))
            if mount.type != DATA_MOUNT and cel.path_collides(mount.mount_path, data):
                raise ValueError(data_dir_message(data_dir))
            if mount.mount_path in seen:
                raise ValueError(UNIQUE_MOUNT_PATHS_MESSAGE)
            seen.add(mount.mount_path)
