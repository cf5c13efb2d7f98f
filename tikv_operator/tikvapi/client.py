"""Async client for one TiKV store's status port: its online config API.

TiKV serves `POST /config` on its status address with a JSON object of dotted config keys
to string values (`{"raftstore.raft-log-gc-threshold": "100"}`), applies them if every one
of them may change online, and answers 200 with an empty body; anything else is an error
text. `persist=false` keeps TiKV from rewriting its config file: that file is the
instance's read-only ConfigMap, which the operator writes itself.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from tikv_operator.metrics import TIKV_STATUS_REQUEST_DURATION, TIKV_STATUS_REQUESTS
from tikv_operator.tls import ClientTLS

DEFAULT_TIMEOUT = 10.0


class TiKVStatusError(Exception):
    """A call to a store's status port failed."""

    def __init__(self, message: str, *, address: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.address = address
        self.status = status

    def __str__(self) -> str:
        status = f" {self.status}" if self.status is not None else ""
        return f"TiKV {self.address}{status}: {self.message}"


class TiKVUnreachable(TiKVStatusError):
    """The store could not be reached or timed out: worth trying again later."""


class TiKVRefused(TiKVStatusError):
    """The store answered with an error: it did not apply the change."""


def status_base_url(status_address: str, override: str | None = None, tls: bool = False) -> str:
    """Where a store's status API is: `http(s)://<status_address>`, or, for an operator that
    cannot resolve the cluster's DNS names, `<override>/<status_address>` (a stand-in such
    as the PD simulator, which serves every store's status API under its address)."""
    if override:
        return f"{override.rstrip('/')}/{status_address}"
    return f"{'https' if tls else 'http'}://{status_address}"


class TiKVStatusClient:
    def __init__(
        self,
        base_url: str,
        *,
        cluster: str,
        address: str,
        tls: ClientTLS | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._tls = tls
        self.cluster = cluster
        self.address = address
        self._timeout = timeout
        self._transport = transport

    async def update_config(self, items: Mapping[str, str]) -> None:
        """Apply config items online, without persisting them to TiKV's config file."""
        api = "update_config"
        start = time.perf_counter()
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout,
                transport=self._transport,
                verify=self._tls.ssl_context() if self._tls is not None else True,
            ) as http:
                response = await http.post(
                    f"{self.base_url}/config", params={"persist": "false"}, json=dict(items)
                )
        except httpx.TransportError as err:
            TIKV_STATUS_REQUESTS.labels(self.cluster, api, "error").inc()
            raise TiKVUnreachable(f"{type(err).__name__}: {err}", address=self.address) from err
        finally:
            TIKV_STATUS_REQUEST_DURATION.labels(api).observe(time.perf_counter() - start)
        TIKV_STATUS_REQUESTS.labels(self.cluster, api, str(response.status_code)).inc()
        if response.is_success:
            return
        message = response.text.strip() or response.reason_phrase
        if response.status_code in (502, 503, 504):
            raise TiKVUnreachable(message, address=self.address, status=response.status_code)
        raise TiKVRefused(message, address=self.address, status=response.status_code)
