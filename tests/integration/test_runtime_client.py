"""The client's writes against the real API server."""

from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from tikv_operator.kube.client import ApiError, Client, update_with_retry
from tikv_operator.kube.resources import CONFIGMAP

pytestmark = pytest.mark.integration


@pytest.fixture
async def kube(api_client: ApiClient) -> Client:
    return Client(api_client)


class RacedClient(Client):
    """Before its first PUT, another writer changes the object, so that PUT conflicts."""

    def __init__(self, other: Client) -> None:
        super().__init__(other.api)
        self.other = other
        self.raced = False

    async def replace(
        self, kind: Any, obj: dict[str, Any], subresource: str = ""
    ) -> dict[str, Any]:
        if not self.raced:
            self.raced = True
            meta = obj["metadata"]
            await self.other.patch(kind, meta["name"], {"data": {"n": "10"}}, meta["namespace"])
        return await super().replace(kind, obj, subresource)


async def test_a_conflicting_update_is_retried_on_a_fresh_read(
    kube: Client, namespace: str
) -> None:
    await kube.create(
        CONFIGMAP, {"metadata": {"name": "c", "namespace": namespace}, "data": {"n": "0"}}
    )
    read_versions: list[str] = []

    def bump(obj: dict[str, Any]) -> bool:
        read_versions.append(obj["metadata"]["resourceVersion"])
        obj["data"]["n"] = str(int(obj["data"]["n"]) + 1)
        return True

    updated = await update_with_retry(RacedClient(kube), CONFIGMAP, f"{namespace}/c", bump)
    assert len(read_versions) == 2
    assert read_versions[0] != read_versions[1]
    assert updated["data"]["n"] == "11"  # built on the other writer's value, not lost


async def test_apply_creates_then_updates_and_takes_over_fields(
    kube: Client, namespace: str
) -> None:
    body = {"metadata": {"name": "a", "namespace": namespace}, "data": {"k": "1"}}
    await kube.apply(CONFIGMAP, body)
    await kube.patch(CONFIGMAP, "a", {"data": {"k": "changed-by-someone"}}, namespace)
    applied = await kube.apply(CONFIGMAP, body)
    assert applied["data"] == {"k": "1"}
    managers = {m["manager"] for m in applied["metadata"]["managedFields"]}
    assert "tikv-operator" in managers


async def test_delete_with_a_stale_uid_is_refused(kube: Client, namespace: str) -> None:
    created = await kube.create(CONFIGMAP, {"metadata": {"name": "d", "namespace": namespace}})
    with pytest.raises(ApiError) as refused:
        await kube.delete(CONFIGMAP, "d", namespace, uid="00000000-0000-0000-0000-000000000000")
    assert refused.value.conflict
    assert await kube.delete(CONFIGMAP, "d", namespace, uid=created["metadata"]["uid"])
    assert await kube.get_or_none(CONFIGMAP, "d", namespace) is None
