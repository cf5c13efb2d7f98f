"""A thin typed client over the shared kubernetes-asyncio ApiClient.

Every request goes through `Client.request`, which speaks plain JSON dicts for any
`ResourceKind` (core kinds and our custom resources alike), raises `ApiError` for non-2xx
answers and counts requests in `rest_client_requests_total`. We call `ApiClient.call_api`
directly with `_preload_content=False` so that responses are never deserialized into the
generated models: controllers parse dicts into pydantic models themselves, and informers
stay cheap.
"""

import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from aiohttp import ClientTimeout
from kubernetes_asyncio.client import ApiClient

from tikv_operator import metrics
from tikv_operator.kube.resources import Object, ResourceKind, split_key

FIELD_MANAGER = "tikv-operator"

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"  # a JSON body is valid YAML

WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


class ApiError(Exception):
    """A non-2xx answer from the API server, with its Status fields."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @classmethod
    def from_status(cls, status: int, body: Any) -> "ApiError":
        if isinstance(body, dict):
            return cls(
                int(body.get("code") or status), body.get("reason", ""), body.get("message", "")
            )
        return cls(status, "", str(body)[:500])

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def invalid(self) -> bool:
        """The API server refused the object itself (400 BadRequest, 422 Invalid)."""
        return self.status in (400, 422)

    @property
    def conflict(self) -> bool:
        return self.status == 409

    @property
    def gone(self) -> bool:
        return self.status == 410


@dataclass(frozen=True)
class ObjectList:
    items: list[Object]
    resource_version: str


@dataclass(frozen=True)
class WatchEvent:
    type: WatchEventType
    object: Object


class Client:
    def __init__(
        self, api: ApiClient, *, field_manager: str = FIELD_MANAGER, timeout: float = 30.0
    ) -> None:
        self.api = api
        self.field_manager = field_manager
        self.timeout = timeout
        self._host = urlsplit(api.configuration.host).netloc

    async def close(self) -> None:
        await self.api.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        content_type: str = JSON,
        request_timeout: float | ClientTimeout | None = None,
    ) -> Object:
        response = await self._send(method, path, query, body, content_type, request_timeout)
        try:
            data = await response.read()
        finally:
            response.release()
        decoded = json.loads(data) if data else {}
        if not 200 <= response.status < 300:
            raise ApiError.from_status(response.status, decoded)
        return dict(decoded)

    async def _send(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None,
        body: Any,
        content_type: str,
        request_timeout: float | ClientTimeout | None,
    ) -> Any:
        code = "<error>"  # client-go's label when no answer came back
        started = time.perf_counter()
        try:
            response = await self.api.call_api(
                path,
                method,
                query_params=[(k, v) for k, v in (query or {}).items() if v is not None],
                header_params={"Accept": JSON, "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=request_timeout if request_timeout is not None else self.timeout,
            )
            code = str(response.status)
            return response
        finally:
            metrics.REST_CLIENT_REQUESTS.labels(code, method, self._host).inc()
            metrics.REST_CLIENT_LATENCY.labels(method).observe(time.perf_counter() - started)

    async def get(self, kind: ResourceKind, name: str, namespace: str | None = None) -> Object:
        return await self.request("GET", kind.path(namespace, name))

    async def get_or_none(
        self, kind: ResourceKind, name: str, namespace: str | None = None
    ) -> Object | None:
        try:
            return await self.get(kind, name, namespace)
        except ApiError as e:
            if e.not_found:
                return None
            raise

    async def list(
        self,
        kind: ResourceKind,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> ObjectList:
        """Every matching object, fetched page by page; the resourceVersion is the list's."""
        items: list[Object] = []
        token: str | None = None
        while True:
            page = await self.request(
                "GET",
                kind.path(namespace),
                query={
                    "labelSelector": label_selector,
                    "fieldSelector": field_selector,
                    "limit": page_size,
                    "continue": token,
                },
            )
            for item in page.get("items") or ():
                # Items of a list carry neither kind nor apiVersion; add them so that an object
                # from a list looks like one from a get or a watch.
                item.setdefault("kind", kind.kind)
                item.setdefault("apiVersion", kind.api_version)
                items.append(item)
            meta = page.get("metadata") or {}
            token = meta.get("continue")
            if not token:
                return ObjectList(items, str(meta.get("resourceVersion", "")))

    async def create(self, kind: ResourceKind, obj: Object) -> Object:
        """Create with strict field validation: an unknown field (a typo in a user's Pod
        overlay) is refused with the field's name instead of silently dropped."""
        namespace = obj["metadata"].get("namespace") if kind.namespaced else None
        query = {"fieldValidation": "Strict"}
        return await self.request("POST", kind.path(namespace), query=query, body=obj)

    async def replace(self, kind: ResourceKind, obj: Object, subresource: str = "") -> Object:
        """PUT the whole object; its metadata.resourceVersion makes this a compare-and-swap."""
        meta = obj["metadata"]
        path = kind.path(meta.get("namespace") if kind.namespaced else None, meta["name"])
        return await self.request("PUT", _sub(path, subresource), body=obj)

    async def patch(
        self,
        kind: ResourceKind,
        name: str,
        patch: Object,
        namespace: str | None = None,
        subresource: str = "",
    ) -> Object:
        """A JSON merge patch (RFC 7386): null deletes a key, lists are replaced whole."""
        path = _sub(kind.path(namespace, name), subresource)
        return await self.request("PATCH", path, body=patch, content_type=MERGE_PATCH)

    async def patch_status(
        self, kind: ResourceKind, name: str, patch: Object, namespace: str | None = None
    ) -> Object:
        return await self.patch(kind, name, patch, namespace, subresource="status")

    async def apply(self, kind: ResourceKind, obj: Object, subresource: str = "") -> Object:
        """Server-side apply as the operator's field manager, taking over conflicting fields."""
        obj = {"apiVersion": kind.api_version, "kind": kind.kind, **obj}
        meta = obj["metadata"]
        path = _sub(
            kind.path(meta.get("namespace") if kind.namespaced else None, meta["name"]), subresource
        )
        return await self.request(
            "PATCH",
            path,
            query={"fieldManager": self.field_manager, "force": "true"},
            body=obj,
            content_type=APPLY_PATCH,
        )

    async def apply_status(self, kind: ResourceKind, obj: Object) -> Object:
        return await self.apply(kind, obj, subresource="status")

    async def delete(
        self,
        kind: ResourceKind,
        name: str,
        namespace: str | None = None,
        *,
        uid: str | None = None,
        resource_version: str | None = None,
        propagation: str = "Background",
        grace_period_seconds: int | None = None,
    ) -> bool:
        """Delete, refusing (409) unless the object still has this uid/resourceVersion.
        False when the object was already gone."""
        preconditions = {"uid": uid, "resourceVersion": resource_version}
        body: Object = {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": propagation,
            "preconditions": {k: v for k, v in preconditions.items() if v is not None},
        }
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        try:
            await self.request("DELETE", kind.path(namespace, name), body=body)
        except ApiError as e:
            if e.not_found:
                return False
            raise
        return True

    async def watch(
        self,
        kind: ResourceKind,
        namespace: str | None = None,
        *,
        resource_version: str,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
        read_timeout: float = 360.0,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Events after `resource_version` until the server ends the watch; an ERROR event
        (410 Gone when the version is too old) is raised as ApiError."""
        response = await self._send(
            "GET",
            kind.path(namespace),
            {
                "watch": "true",
                "resourceVersion": resource_version,
                "allowWatchBookmarks": "true",
                "labelSelector": label_selector,
                "timeoutSeconds": timeout_seconds,
            },
            None,
            JSON,
            # No total timeout: the server ends the watch after timeout_seconds. The read timeout
            # bounds each read, so a connection that silently stalls is noticed.
            ClientTimeout(sock_connect=30.0, sock_read=read_timeout),
        )
        try:
            if response.status != 200:
                data = await response.read()
                raise ApiError.from_status(response.status, json.loads(data) if data else {})
            while line := await response.content.readline():
                event = json.loads(line)
                if event["type"] == "ERROR":
                    raise ApiError.from_status(500, event["object"])
                yield WatchEvent(event["type"], event["object"])
        finally:
            response.release()


def _sub(path: str, subresource: str) -> str:
    return f"{path}/{subresource}" if subresource else path


async def update_with_retry(
    client: Client,
    kind: ResourceKind,
    key: str,
    mutate: Callable[[Object], bool],
    *,
    attempts: int = 5,
    subresource: str = "",
) -> Object:
    """Read the object fresh, let `mutate` change it in place, and PUT it back; on a 409
    conflict (someone else wrote in between) read again and retry. `mutate` returns False
    when no write is needed."""
    namespace, name = split_key(key)

    async def attempt() -> Object:
        obj = await client.get(kind, name, namespace)
        if not mutate(obj):
            return obj
        return await client.replace(kind, obj, subresource)

    for _ in range(attempts - 1):
        try:
            return await attempt()
        except ApiError as e:
            if not e.conflict:
                raise
    return await attempt()
