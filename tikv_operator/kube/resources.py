"""Resource kinds the operator touches, and the small facts about objects every layer needs.

A `ResourceKind` is enough to build any REST path, so the client, informers and caches are
generic over kinds and deal in plain dicts; controllers parse dicts into models themselves.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import apis
from apis import GROUP, VERSION, Cluster, PDGroup, Resource, TiKVGroup, labels

Object = dict[str, Any]

MANAGED_SELECTOR = f"{labels.MANAGED_BY}={labels.MANAGED_BY_VALUE}"
"""What the caches of child kinds select: only objects the operator manages."""


@dataclass(frozen=True)
class ResourceKind:
    group: str  # "" for the core API group
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The collection path (all namespaces when namespace is None) or one object's path."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            prefix += f"/namespaces/{namespace}"
        path = f"{prefix}/{self.plural}"
        return f"{path}/{name}" if name is not None else path

    def __str__(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


def kind_of(model: type[Resource]) -> ResourceKind:
    """The REST kind of one of our API types: the types in `apis` name their kind once."""
    return ResourceKind(GROUP, VERSION, model.PLURAL, model.KIND)


CLUSTER = kind_of(Cluster)
PDGROUP = kind_of(PDGroup)
PD = kind_of(apis.PD)
TIKVGROUP = kind_of(TiKVGroup)
TIKV = kind_of(apis.TiKV)

POD = ResourceKind("", "v1", "pods", "Pod")
PVC = ResourceKind("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim")
CONFIGMAP = ResourceKind("", "v1", "configmaps", "ConfigMap")
SERVICE = ResourceKind("", "v1", "services", "Service")
SECRET = ResourceKind("", "v1", "secrets", "Secret")
CONTROLLERREVISION = ResourceKind("apps", "v1", "controllerrevisions", "ControllerRevision")
NAMESPACE = ResourceKind("", "v1", "namespaces", "Namespace", namespaced=False)
NODE = ResourceKind("", "v1", "nodes", "Node", namespaced=False)
STORAGECLASS = ResourceKind(
    "storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False
)
EVENT = ResourceKind("events.k8s.io", "v1", "events", "Event")
LEASE = ResourceKind("coordination.k8s.io", "v1", "leases", "Lease")


def object_key(obj: Object) -> str:
    """The cache and work-queue key: `namespace/name`, or `name` for cluster-scoped objects."""
    meta = obj["metadata"]
    namespace = meta.get("namespace")
    return f"{namespace}/{meta['name']}" if namespace else str(meta["name"])


def split_key(key: str) -> tuple[str | None, str]:
    namespace, sep, name = key.rpartition("/")
    return (namespace if sep else None), name


def controller_owner(obj: Object) -> Object | None:
    """The ownerReference with controller=true, if any (there is at most one)."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return dict(ref)
    return None


def resource_version(obj: Object) -> str:
    return str(obj.get("metadata", {}).get("resourceVersion", ""))


def micro_time(when: datetime.datetime) -> str:
    """metav1.MicroTime: RFC 3339 in UTC with microseconds."""
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


CHILD_KINDS = (POD, PVC, CONFIGMAP, SERVICE, CONTROLLERREVISION)
"""Kinds the operator creates: their caches hold only what it manages (DESIGN §3)."""


def cache_selector(kind: ResourceKind) -> str | None:
    """The label selector of the one informer (and cache) the operator keeps for `kind`."""
    return MANAGED_SELECTOR if kind in CHILD_KINDS else None
