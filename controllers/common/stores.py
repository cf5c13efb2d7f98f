"""Finding a TiKV instance's store in PD's view: by the address it advertises."""

from __future__ import annotations

from collections.abc import Iterable

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
