"""A small asyncio client of the API server for the process kubelet: JSON in and out, and a
reflector (list, then watch from the list's resourceVersion) per resource.

Independent of the operator's own client on purpose: the kubelet is test tooling that must
not share the operator's bugs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

Object = dict[str, Any]
log = logging.getLogger("procnode.kubeapi")

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    @classmethod
    def from_kubeconfig(cls, path: Path) -> Api:
        """Reads the kubeconfig hack.localcluster writes (one cluster, a bearer token)."""
        config = json.loads(path.read_text())
        cluster = config["clusters"][0]["cluster"]
        token = config["users"][0]["user"]["token"]
        client = httpx.AsyncClient(
            base_url=cluster["server"],
            verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(10.0, read=330.0),
        )
        return cls(client)

    async def close(self) -> None:
        await self.http.aclose()

    async def get(self, path: str) -> Object | None:
        r = await self.http.get(path)
        if r.status_code == 404:
            return None
        r.raise_for_status()
        body: Object = r.json()
        return body

    async def create(self, path: str, body: Object) -> Object | None:
        """The created object, or None when it already exists."""
        r = await self.http.post(path, json=body)
        if r.status_code == 409:
            return None
        r.raise_for_status()
        created: Object = r.json()
        return created

    async def put(self, path: str, body: Object) -> bool:
        """False on a conflict (another writer, or a stale resourceVersion)."""
        r = await self.http.put(path, json=body)
        if r.status_code == 409:
            return False
        r.raise_for_status()
        return True

    async def patch(self, path: str, body: Object, content_type: str = MERGE) -> bool:
        """False when the object is gone."""
        r = await self.http.patch(
            path, content=json.dumps(body), headers={"Content-Type": content_type}
        )
        if r.status_code == 404:
            return False
        r.raise_for_status()
        return True

    async def delete(self, path: str, body: Object | None = None) -> None:
        r = await self.http.request("DELETE", path, json=body)
        if r.status_code not in (404, 409):
            r.raise_for_status()

    async def watch(self, path: str, params: dict[str, str]) -> AsyncIterator[Object]:
        query = {**params, "watch": "1", "allowWatchBookmarks": "true", "timeoutSeconds": "300"}
        async with self.http.stream("GET", path, params=query) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                if line.strip():
                    event: Object = json.loads(line)
                    yield event


def key(obj: Object) -> tuple[str, str]:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


class Reflector:
    """A cache of one resource kind kept by list-then-watch. Each reader subscribes an
    event, set after every change; it clears it before reading the cache (level-triggered)."""

    def __init__(self, api: Api, path: str, params: dict[str, str] | None = None) -> None:
        self.api = api
        self.path = path
        self.params = params or {}
        self.objects: dict[tuple[str, str], Object] = {}
        self.listeners: list[asyncio.Event] = []
        self.synced = asyncio.Event()

    def subscribe(self) -> asyncio.Event:
        event = asyncio.Event()
        self.listeners.append(event)
        if self.synced.is_set():
            event.set()
        return event

    def _changed(self) -> None:
        for event in self.listeners:
            event.set()

    async def run(self) -> None:
        while True:
            try:
                await self._list_and_watch()
            except (httpx.HTTPError, json.JSONDecodeError) as e:
                log.warning("watch of %s failed, listing again: %s", self.path, e)
                await asyncio.sleep(1.0)

    async def _list_and_watch(self) -> None:
        r = await self.api.http.get(self.path, params=self.params)
        r.raise_for_status()
        listed = r.json()
        self.objects = {key(o): o for o in listed.get("items") or []}
        self.synced.set()
        self._changed()
        version = listed["metadata"]["resourceVersion"]
        while True:
            params = {**self.params, "resourceVersion": version}
            async for event in self.api.watch(self.path, params):
                kind, obj = event["type"], event["object"]
                if kind == "ERROR":
                    return  # 410 Gone and friends: list again
                version = obj["metadata"]["resourceVersion"]
                if kind == "DELETED":
                    self.objects.pop(key(obj), None)
                elif kind in ("ADDED", "MODIFIED"):
                    self.objects[key(obj)] = obj
                if kind != "BOOKMARK":
                    self._changed()
