"""Finding a TiKV instance's store in PD's view (by the address it advertises), and reading
it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from apis import TiKV
from apis.names import tikv_address
from tikv_operator.pdapi.models import StoreInfo, StoreState


def find_store(stores: Iterable[StoreInfo], address: str) -> StoreInfo | None:
    """The store registered at `address`.

    A live store wins over Tombstone records (PD keeps those until they are cleaned up, and
    a store re-registered at the same address gets a new id); among Tombstones the newest.
    """
    at = [s for s in stores if s.store.address == address]
    live = [s for s in at if s.store.state != StoreState.TOMBSTONE]
    if live:
        return max(live, key=lambda s: s.store.id)
    return max(at, key=lambda s: s.store.id, default=None)


def advertise_address(tikv: TiKV) -> str:
    """The address the store registers in PD; how the instance finds its store."""
    meta = tikv.metadata
    return tikv_address(str(meta.name), tikv.spec.subdomain, str(meta.namespace))


def last_heard(store: StoreInfo) -> datetime | None:
    """When PD last had a heartbeat from the store; None if it never had one.

    PD leaves `store.last_heartbeat` out (0) until the first heartbeat, and meanwhile writes
    the epoch as `status.last_heartbeat_ts` and counts the store's down time from it, so a
    TiKV that registered and is still starting reads `Down` (pkg/response/store.go).
    """
    return store.status.last_heartbeat_ts if store.store.last_heartbeat else None
