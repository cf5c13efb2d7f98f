"""Async client for PD's HTTP API (``/pd/api/v1``), one per TiKV cluster."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from tikv_operator.metrics import PD_REQUEST_DURATION, PD_REQUESTS
from tikv_operator.pdapi.errors import (
    NotBootstrapped,
    NotFound,
    PDError,
    Unavailable,
    error_for,
    message_of,
)
from tikv_operator.pdapi.models import (
    ClusterInfo,
    EvictLeaderConfig,
    Member,
    MemberHealth,
    Members,
    PDConfig,
    PDStatus,
    RegionsInfo,
    ReplicationConfig,
    StoreInfo,
    StoresInfo,
)
from tikv_operator.tls import ClientTLS

API_PREFIX = "/pd/api/v1"
DEFAULT_TIMEOUT = 10.0
EVICT_LEADER_SCHEDULER = "evict-leader-scheduler"

# PD's plain /stores hides Tombstone stores; listing every state explicitly includes them.
_ALL_STORE_STATES = [("state", "0"), ("state", "1"), ("state", "2")]

M = TypeVar("M")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for idempotent GETs that failed with an `Unavailable` error."""

    attempts: int = 3
    initial_backoff: float = 0.2
    max_backoff: float = 2.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        return float(min(self.max_backoff, self.initial_backoff * 2**attempt))


class PDClient:
    """Typed calls to one PD cluster; errors are raised as `tikv_operator.pdapi.errors` types."""

    def __init__(
        self,
        base_url: str,
        *,
        cluster: str,
        tls: ClientTLS | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cluster = cluster
        self.tls = tls
        self.on_write = on_write
        """Called after every state-changing call, answered or not (PD may have applied it):
        the cluster's poller refreshes its snapshot."""
        self._retry = retry
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url + API_PREFIX,
            timeout=timeout,
            verify=tls.ssl_context() if tls is not None else True,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> PDClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # Members and leadership.

    async def get_members(self) -> Members:
        return await self._get("members", "/members", Members)

    async def get_health(self) -> list[MemberHealth]:
        return await self._get("health", "/health", list[MemberHealth])

    async def get_leader(self) -> Member:
        return await self._get("leader", "/leader", Member)

    async def transfer_leader(self, name: str) -> None:
        await self._send("transfer_leader", "POST", f"/leader/transfer/{name}")

    async def resign_leader(self) -> None:
        await self._send("resign_leader", "POST", "/leader/resign")

    async def delete_member_by_name(self, name: str) -> None:
        await self._send("delete_member", "DELETE", f"/members/name/{name}")

    async def delete_member_by_id(self, member_id: int) -> None:
        await self._send("delete_member", "DELETE", f"/members/id/{member_id}")

    # Stores.

    async def get_stores(self) -> list[StoreInfo]:
        """Every store PD knows, Tombstone included; raises `NotBootstrapped` before TiKV."""
        answer = await self._get("stores", "/stores", StoresInfo, params=_ALL_STORE_STATES)
        return list(answer.stores)

    async def get_stores_if_bootstrapped(self) -> list[StoreInfo]:
        """Like `get_stores`, but an unbootstrapped cluster answers "no stores"."""
        try:
            return await self.get_stores()
        except NotBootstrapped:
            return []

    async def get_store(self, store_id: int) -> StoreInfo:
        return await self._get("store", f"/store/{store_id}", StoreInfo)

    async def delete_store(self, store_id: int) -> None:
        """Start offlining the store. PD's ``?force`` is presence-based, so it is never sent."""
        await self._send("delete_store", "DELETE", f"/store/{store_id}")

    async def cancel_store_offline(self, store_id: int) -> None:
        await self._send(
            "cancel_store_offline", "POST", f"/store/{store_id}/state", params={"state": "Up"}
        )

    async def set_store_labels(self, store_id: int, labels: Mapping[str, str]) -> None:
        await self._send("set_store_labels", "POST", f"/store/{store_id}/label", json=dict(labels))

    async def remove_tombstones(self) -> None:
        await self._send("remove_tombstones", "DELETE", "/stores/remove-tombstone")

    # Leader eviction.

    async def begin_evict_leader(self, store_id: int) -> None:
        """Add the store to PD's evict-leader scheduler (creating it if needed)."""
        await self._send(
            "begin_evict_leader",
            "POST",
            "/schedulers",
            json={"name": EVICT_LEADER_SCHEDULER, "store_id": store_id},
        )

    async def end_evict_leader(self, store_id: int) -> None:
        """Remove the store from the evict-leader scheduler; already gone is fine."""
        path = f"/scheduler-config/{EVICT_LEADER_SCHEDULER}/delete/{store_id}"
        with contextlib.suppress(NotFound):
            await self._send("end_evict_leader", "DELETE", path)

    async def get_scheduler_names(self) -> list[str]:
        """Names of the running schedulers; raises `NotBootstrapped` before TiKV."""
        return await self._get("schedulers", "/schedulers", list[str])

    async def get_evict_leader_stores(self) -> set[int]:
        """Ids of the stores whose leaders PD is evicting; none when the scheduler is absent."""
        path = f"/scheduler-config/{EVICT_LEADER_SCHEDULER}/list"
        try:
            answer = await self._get("evict_leader_stores", path, EvictLeaderConfig)
        except NotFound:
            return set()
        return set(answer.store_id_ranges)

    # Configuration and cluster.

    async def get_config(self) -> PDConfig:
        return await self._get("config", "/config", PDConfig)

    async def set_config(self, items: Mapping[str, Any]) -> None:
        """Change config items online (dotted keys such as ``schedule.leader-schedule-limit``,
        JSON values of the item's type). PD applies them one by one and answers 400 at the
        first it cannot change, keeping the ones before it."""
        await self._send("set_config", "POST", "/config", json=dict(items))

    async def get_replication_config(self) -> ReplicationConfig:
        return await self._get("replication_config", "/config/replicate", ReplicationConfig)

    async def get_cluster(self) -> ClusterInfo:
        return await self._get("cluster", "/cluster", ClusterInfo)

    async def get_status(self) -> PDStatus:
        return await self._get("status", "/status", PDStatus)

    async def get_down_peer_regions(self) -> RegionsInfo:
        return await self._get("down_peer_regions", "/regions/check/down-peer", RegionsInfo)

    # Transport.

    async def _get(self, api: str, path: str, model: type[M], params: Any = None) -> M:
        """An idempotent read, retried with backoff while PD is unavailable."""
        attempt = 0
        while True:
            try:
                response = await self._request(api, "GET", path, params=params)
                return _parse(model, response.content, api)
            except Unavailable:
                if attempt + 1 >= self._retry.attempts:
                    raise
                await self._sleep(self._retry.backoff(attempt))
                attempt += 1

    async def _send(self, api: str, method: str, path: str, **kwargs: Any) -> None:
        """A state-changing call: never retried, since PD may have applied it already."""
        try:
            await self._request(api, method, path, **kwargs)
        finally:
            if self.on_write is not None:
                self.on_write()

    async def _request(self, api: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        start = time.perf_counter()
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as err:
            PD_REQUESTS.labels(self.cluster, api, "error").inc()
            raise Unavailable(f"{type(err).__name__}: {err}", api=api) from err
        finally:
            PD_REQUEST_DURATION.labels(api).observe(time.perf_counter() - start)
        PD_REQUESTS.labels(self.cluster, api, str(response.status_code)).inc()
        if response.is_success:
            return response
        raise error_for(response.status_code, message_of(response.content), api)


def _parse(model: type[M], body: bytes, api: str) -> M:
    try:
        return TypeAdapter(model).validate_json(body)
    except ValidationError as err:
        raise PDError(f"unexpected answer: {err}", status=200, api=api) from err
