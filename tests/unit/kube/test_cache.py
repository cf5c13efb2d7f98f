from tikv_operator.kube.cache import BY_CLUSTER, BY_NAMESPACE, BY_OWNER_UID, Store

from .fakes import obj


def owned(name: str, owner_uid: str, namespace: str = "ns") -> dict:  # type: ignore[type-arg]
    ref = {"apiVersion": "v1", "kind": "X", "name": "o", "uid": owner_uid, "controller": True}
    return obj(name, "1", namespace=namespace, ownerReferences=[ref])


def names(objects: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [o["metadata"]["name"] for o in objects]


def test_objects_are_keyed_namespace_slash_name() -> None:
    store = Store()
    store.upsert(obj("a", "1"))
    assert store.get("ns/a") == obj("a", "1")
    assert store.get("other/a") is None


def test_index_by_controlling_owner_uid() -> None:
    store = Store()
    store.upsert(owned("a", "u1"))
    store.upsert(owned("b", "u2"))
    store.upsert(owned("c", "u1"))
    assert names(store.by_index(BY_OWNER_UID, "u1")) == ["a", "c"]


def test_index_by_cluster_label_is_scoped_to_the_namespace() -> None:
    store = Store()
    store.upsert(obj("a", "1", labels={"tikv.org/cluster": "basic"}))
    store.upsert(obj("b", "1", namespace="other", labels={"tikv.org/cluster": "basic"}))
    assert names(store.by_index(BY_CLUSTER, "ns/basic")) == ["a"]


def test_an_update_moves_the_object_between_index_values() -> None:
    store = Store()
    store.upsert(obj("a", "1", labels={"tikv.org/cluster": "one"}))
    store.upsert(obj("a", "2", labels={"tikv.org/cluster": "two"}))
    assert store.by_index(BY_CLUSTER, "ns/one") == []
    assert names(store.by_index(BY_CLUSTER, "ns/two")) == ["a"]


def test_delete_removes_the_object_from_every_index() -> None:
    store = Store()
    store.upsert(owned("a", "u1"))
    assert store.delete("ns/a") is not None
    assert store.by_index(BY_OWNER_UID, "u1") == []
    assert store.by_index(BY_NAMESPACE, "ns") == []
    assert len(store) == 0
