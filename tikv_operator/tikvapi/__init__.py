"""TiKV's status-port HTTP API (the port a store registers in PD as `status_address`)."""

from tikv_operator.tikvapi.client import (
    TiKVRefused,
    TiKVStatusClient,
    TiKVStatusError,
    TiKVUnreachable,
    status_base_url,
)

__all__ = [
    "TiKVRefused",
    "TiKVStatusClient",
    "TiKVStatusError",
    "TiKVUnreachable",
    "status_base_url",
]
