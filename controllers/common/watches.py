"""How events reach the keys they concern: a Cluster's objects, and PD view changes.

Groups and instances name their Cluster in `spec.cluster.name` (user-made groups carry no
cluster label), so one lookup by namespace and that field serves every controller.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from controllers.common.pdview import KeysFor
from tikv_operator.kube import cache
from tikv_operator.kube.informer import Event
from tikv_operator.kube.resources import Object, object_key
from tikv_operator.pdapi.poller import Change, Snapshot


def keys_of_cluster(reader: cache.Reader, namespace: str, name: str) -> list[str]:
    """Keys of the objects in `reader` that belong to Cluster `namespace/name`."""
    return [
        object_key(o)
        for o in reader.by_index(cache.BY_NAMESPACE, namespace)
        if ((o.get("spec") or {}).get("cluster") or {}).get("name") == name
    ]


def of_cluster(reader: cache.Reader) -> Callable[[Object], Iterable[str]]:
    """Map a Cluster event to the keys of its objects in `reader`."""

    def keys(cluster: Object) -> Iterable[str]:
        meta = cluster["metadata"]
        return keys_of_cluster(reader, str(meta.get("namespace")), str(meta["name"]))

    return keys


def of_same_cluster(reader: cache.Reader) -> Callable[[Object], Iterable[str]]:
    """Map an event of an object that names a Cluster to the keys of that Cluster's objects
    in `reader` (e.g. a PDGroup's version change to the TiKVGroups waiting for it)."""

    def keys(obj: Object) -> Iterable[str]:
        name = ((obj.get("spec") or {}).get("cluster") or {}).get("name")
        if not name:
            return []
        return keys_of_cluster(reader, str(obj["metadata"].get("namespace")), str(name))

    return keys


Affected = Callable[[str, Change], Collection[str] | None]
"""Names (in the cluster's namespace) of the objects a PD change concerns; None for all."""


def on_pd_change(reader: cache.Reader, affected: Affected | None = None) -> KeysFor:
    """Keys of the cluster's objects in `reader` that a PD view change concerns: every one
    when the whole view changed or no `affected` is given, else those `affected` names."""

    def keys(cluster: str, snapshot: Snapshot, change: Change) -> Iterable[str]:
        namespace, _, name = cluster.partition("/")
        all_keys = keys_of_cluster(reader, namespace, name)
        names = None if change.everything or affected is None else affected(namespace, change)
        if names is None:
            return all_keys
        wanted = {f"{namespace}/{n}" for n in names}
        return [k for k in all_keys if k in wanted]

    return keys


def members_changed(namespace: str, change: Change) -> Collection[str] | None:
    """PD objects a member change concerns: all of them (None) when any member's health or
    leadership changed, since quorum and leader transfer decisions depend on every member."""
    return None if change.members else ()


def fields_changed(*paths: str) -> Callable[[Event], bool]:
    """A watch predicate: an object appearing or going always passes; an update passes only
    when one of the dotted `paths` differs, so a child's status write wakes only the
    controllers whose decisions read what changed (a store's leader count wakes no group)."""

    def at(obj: Object, path: str) -> object:
        value: object = obj
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def predicate(event: Event) -> bool:
        if event.type != "MODIFIED" or event.old is None:
            return True
        return any(at(event.old, p) != at(event.object, p) for p in paths)

    return predicate


IDENTITY = ("metadata.uid", "metadata.labels", "metadata.deletionTimestamp", "spec")
"""What any watcher of an object reads: which object it is, what it asks for, whether it goes."""
