from __future__ import annotations

from controllers.common.pvc import release_pvcs
from tikv_operator.kube.resources import Object

from .fakes import FakeClient


def pvc(name: str, *owner_uids: str) -> Object:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"{name}-uid",
            "resourceVersion": "7",
            "ownerReferences": [{"kind": "X", "name": "x", "uid": u} for u in owner_uids],
        }
    }


async def test_release_drops_only_the_instance_owner_reference() -> None:
    client = FakeClient()
    await release_pvcs(client, [pvc("data-a", "inst-uid", "other-uid")], "inst-uid")  # type: ignore[arg-type]
    (call,) = client.calls
    assert (call.verb, call.kind, call.name) == ("patch", "PersistentVolumeClaim", "data-a")
    assert call.body["metadata"]["ownerReferences"] == [
        {"kind": "X", "name": "x", "uid": "other-uid"}
    ]


async def test_release_removes_the_owner_list_when_the_instance_was_the_only_owner() -> None:
    client = FakeClient()
    await release_pvcs(client, [pvc("data-a", "inst-uid")], "inst-uid")  # type: ignore[arg-type]
    assert client.calls[0].body["metadata"]["ownerReferences"] is None


async def test_release_patch_only_applies_to_the_pvc_as_it_was_read() -> None:
    # A PVC recreated under the same name (uid) or changed since (resourceVersion) is not
    # touched: the API server rejects the patch.
    client = FakeClient()
    await release_pvcs(client, [pvc("data-a", "inst-uid")], "inst-uid")  # type: ignore[arg-type]
    meta = client.calls[0].body["metadata"]
    assert (meta["uid"], meta["resourceVersion"]) == ("data-a-uid", "7")
