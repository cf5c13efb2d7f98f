"""An indexed in-memory store of objects keyed `namespace/name`, filled by an informer.

Readers get the stored dicts themselves: treat them as read-only (copy before changing),
as with client-go's cache.
"""

from collections.abc import Callable, Iterable
from typing import Protocol

from apis import labels as label_names
from tikv_operator.kube.resources import Object, controller_owner, object_key

IndexFunc = Callable[[Object], Iterable[str]]

BY_NAMESPACE = "namespace"
BY_OWNER_UID = "owner-uid"
BY_CLUSTER = "cluster"


def index_by_namespace(obj: Object) -> Iterable[str]:
    namespace = obj["metadata"].get("namespace")
    return (namespace,) if namespace else ()


def index_by_owner_uid(obj: Object) -> Iterable[str]:
    """The uid of the controlling owner (ownerReference with controller=true)."""
    owner = controller_owner(obj)
    return (owner["uid"],) if owner and owner.get("uid") else ()


def index_by_cluster(obj: Object) -> Iterable[str]:
    """`namespace/<tikv.org/cluster label>`, so a cluster's objects are found in one lookup."""
    labels = obj["metadata"].get("labels") or {}
    cluster = labels.get(label_names.CLUSTER)
    return (f"{obj['metadata'].get('namespace', '')}/{cluster}",) if cluster else ()


DEFAULT_INDEXERS: dict[str, IndexFunc] = {
    BY_NAMESPACE: index_by_namespace,
    BY_OWNER_UID: index_by_owner_uid,
    BY_CLUSTER: index_by_cluster,
}


class Reader(Protocol):
    """What controllers read from; a Store, or a fake in tests."""

    def get(self, key: str) -> Object | None: ...
    def objects(self) -> list[Object]: ...
    def by_index(self, index: str, value: str) -> list[Object]: ...


class Store:
    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self._indexers = dict(DEFAULT_INDEXERS if indexers is None else indexers)
        self._objects: dict[str, Object] = {}
        self._indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}

    def __len__(self) -> int:
        return len(self._objects)

    def get(self, key: str) -> Object | None:
        return self._objects.get(key)

    def keys(self) -> list[str]:
        return list(self._objects)

    def objects(self) -> list[Object]:
        return list(self._objects.values())

    def by_index(self, index: str, value: str) -> list[Object]:
        keys = self._indices[index].get(value, ())
        return [self._objects[k] for k in sorted(keys)]

    def upsert(self, obj: Object) -> Object | None:
        """Store obj; returns the object it replaced, if any."""
        key = object_key(obj)
        old = self._objects.get(key)
        if old is not None:
            self._unindex(key, old)
        self._objects[key] = obj
        for name, fn in self._indexers.items():
            for value in fn(obj):
                self._indices[name].setdefault(value, set()).add(key)
        return old

    def delete(self, key: str) -> Object | None:
        old = self._objects.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def _unindex(self, key: str, obj: Object) -> None:
        for name, fn in self._indexers.items():
            index = self._indices[name]
            for value in fn(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
