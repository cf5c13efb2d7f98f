"""Informers against the real API server: the cache converges, whatever happens to the watch."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from tikv_operator.kube.client import Client, ObjectList, WatchEvent
from tikv_operator.kube.informer import (
    Event,
    Informer,
    InformerSettings,
    KindListWatcher,
    kind_informer,
)
from tikv_operator.kube.resources import CONFIGMAP, MANAGED_SELECTOR

from .test_runtime_manager import eventually

pytestmark = pytest.mark.integration

LABELS = {"app.kubernetes.io/managed-by": "tikv-operator"}


def configmap(
    namespace: str, name: str, value: str = "1", labels: dict[str, str] = LABELS
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {"v": value},
    }


@contextlib.asynccontextmanager
async def running(informer: Informer) -> AsyncIterator[list[Event]]:
    seen: list[Event] = []
    informer.add_handler(seen.append)
    task = asyncio.create_task(informer.run())
    try:
        await asyncio.wait_for(informer.wait_synced(), 30)
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def data(informer: Informer, namespace: str) -> dict[str, str]:
    return {
        o["metadata"]["name"]: o["data"]["v"]
        for o in informer.store.by_index("namespace", namespace)
    }


@pytest.fixture
async def kube(api_client: ApiClient) -> Client:
    return Client(api_client)


async def test_cache_follows_create_update_delete(kube: Client, namespace: str) -> None:
    await kube.create(CONFIGMAP, configmap(namespace, "before"))
    informer = kind_informer(
        kube, CONFIGMAP, namespaces=[namespace], label_selector=MANAGED_SELECTOR
    )
    async with running(informer) as seen:
        assert data(informer, namespace) == {"before": "1"}
        await kube.create(CONFIGMAP, configmap(namespace, "a"))
        await kube.patch(CONFIGMAP, "before", {"data": {"v": "2"}}, namespace)
        await kube.delete(CONFIGMAP, "a", namespace)
        await kube.create(CONFIGMAP, configmap(namespace, "unmanaged", labels={"other": "x"}))
        await kube.create(CONFIGMAP, configmap(namespace, "b"))
        await eventually(lambda: data(informer, namespace) == {"before": "2", "b": "1"})
    assert [(e.type, e.object["metadata"]["name"]) for e in seen] == [
        ("ADDED", "before"),
        ("ADDED", "a"),
        ("MODIFIED", "before"),
        ("DELETED", "a"),
        ("ADDED", "b"),
    ]


async def test_cache_converges_across_server_side_watch_timeouts(
    kube: Client, namespace: str
) -> None:
    settings = InformerSettings(min_watch_timeout=1, max_watch_timeout=1)
    informer = kind_informer(kube, CONFIGMAP, namespaces=[namespace], settings=settings)
    async with running(informer):
        for i in range(8):
            await kube.create(CONFIGMAP, configmap(namespace, f"cm-{i}"))
            await asyncio.sleep(0.3)  # spread the writes over several watch restarts
            await kube.patch(CONFIGMAP, f"cm-{i}", {"data": {"v": "2"}}, namespace)
        for i in range(0, 8, 2):
            await kube.delete(CONFIGMAP, f"cm-{i}", namespace)
        await eventually(
            lambda: data(informer, namespace) == {f"cm-{i}": "2" for i in range(1, 8, 2)}
        )


class BreaksOnce:
    """Its first watch runs `meanwhile` (changes the informer does not see) and then fails
    like a dropped connection, so the informer must list again."""

    def __init__(self, inner: KindListWatcher, meanwhile: Any) -> None:
        self.inner = inner
        self.meanwhile = meanwhile
        self.broken = False

    async def list(self) -> ObjectList:
        return await self.inner.list()

    async def watch(
        self, resource_version: str, timeout_seconds: int
    ) -> AsyncGenerator[WatchEvent, None]:
        if not self.broken:
            self.broken = True
            await self.meanwhile()
            raise ConnectionResetError("connection reset by peer")
        async for event in self.inner.watch(resource_version, timeout_seconds):
            yield event


async def test_a_broken_watch_relists_and_reports_changes_missed_meanwhile(
    kube: Client, namespace: str
) -> None:
    await kube.create(CONFIGMAP, configmap(namespace, "stays"))
    await kube.create(CONFIGMAP, configmap(namespace, "goes"))

    async def meanwhile() -> None:
        await kube.delete(CONFIGMAP, "goes", namespace)
        await kube.create(CONFIGMAP, configmap(namespace, "comes"))

    source = BreaksOnce(KindListWatcher(kube, CONFIGMAP, namespace), meanwhile)
    informer = Informer("configmaps", [source])
    async with running(informer) as seen:
        await eventually(lambda: data(informer, namespace) == {"stays": "1", "comes": "1"})
        await kube.create(CONFIGMAP, configmap(namespace, "after"))  # and the new watch works
        await eventually(lambda: "after" in data(informer, namespace))
    assert source.broken
    changes = [(e.type, e.object["metadata"]["name"]) for e in seen[2:]]
    assert changes == [("DELETED", "goes"), ("ADDED", "comes"), ("ADDED", "after")]
