"""Scripted stand-ins for the API server, for informer and controller tests."""

import asyncio
import copy
from collections.abc import AsyncGenerator
from typing import Any

from tikv_operator.kube.client import ApiError, ObjectList, WatchEvent
from tikv_operator.kube.resources import Object


def obj(name: str, rv: str, namespace: str = "ns", **meta: Any) -> Object:
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": rv, **meta}}


class Hang:
    """A watch step: block until the test ends (a quiet stream)."""


class ScriptedListWatcher:
    """Answers `list` with the next scripted list, and `watch` with the next scripted stream.

    A stream is a list of WatchEvents, exceptions to raise, or `Hang()`; when it runs out the
    watch ends as if the server's timeout had passed. Calls are recorded for assertions.
    """

    def __init__(self, lists: list[ObjectList | Exception], streams: list[list[Any]]) -> None:
        self.lists = lists
        self.streams = streams
        self.list_calls = 0
        self.watch_calls: list[tuple[str, int]] = []
        self.exhausted = asyncio.Event()

    async def list(self) -> ObjectList:
        self.list_calls += 1
        answer = self.lists.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def watch(
        self, resource_version: str, timeout_seconds: int
    ) -> AsyncGenerator[WatchEvent, None]:
        self.watch_calls.append((resource_version, timeout_seconds))
        if not self.streams:
            self.exhausted.set()
            await asyncio.Event().wait()
        for step in self.streams.pop(0):
            if isinstance(step, Exception):
                raise step
            if isinstance(step, Hang):
                await asyncio.Event().wait()
            yield step


def gone() -> ApiError:
    return ApiError(410, "Expired", "too old resource version")


class FakeLeaseClient:
    """Enough of Client for leader election: one object store with resourceVersion checks.
    Set `failing` to make every call fail as if the API server were unreachable."""

    def __init__(self) -> None:
        self.objects: dict[str, Object] = {}
        self.version = 0
        self.failing = False

    def _check(self) -> None:
        if self.failing:
            raise ConnectionRefusedError("API server unreachable")

    def _stamp(self, obj: Object) -> Object:
        self.version += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.version)
        self.objects[obj["metadata"]["name"]] = obj
        return copy.deepcopy(obj)

    async def get(self, kind: Any, name: str, namespace: str | None = None) -> Object:
        self._check()
        if name not in self.objects:
            raise ApiError(404, "NotFound", name)
        return copy.deepcopy(self.objects[name])

    async def get_or_none(
        self, kind: Any, name: str, namespace: str | None = None
    ) -> Object | None:
        self._check()
        return copy.deepcopy(self.objects.get(name))

    async def create(self, kind: Any, obj: Object) -> Object:
        self._check()
        if obj["metadata"]["name"] in self.objects:
            raise ApiError(409, "AlreadyExists", obj["metadata"]["name"])
        return self._stamp(obj)

    async def replace(self, kind: Any, obj: Object, subresource: str = "") -> Object:
        self._check()
        current = self.objects[obj["metadata"]["name"]]
        if current["metadata"]["resourceVersion"] != obj["metadata"].get("resourceVersion"):
            raise ApiError(409, "Conflict", "the object has been modified")
        return self._stamp(obj)
