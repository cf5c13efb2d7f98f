"""Reading PD's stores: when PD last heard from one."""

from __future__ import annotations

from datetime import UTC, datetime

from controllers.common.stores import last_heard
from tikv_operator.pdapi.models import StoreInfo, StoreStateName

# A store as real PD v8.5.1 lists it after PutStore and before the first store heartbeat
# (pkg/response/store.go): no `last_heartbeat`, the epoch as `last_heartbeat_ts`, and Down,
# since its down time counts from the epoch.
REGISTERED = {
    "store": {
        "id": 26,
        "address": "basic-tikv-x.basic-tikv-peer.ns:20160",
        "version": "8.5.1",
        "status_address": "basic-tikv-x.basic-tikv-peer.ns:20180",
        "start_timestamp": 1764449304,
        "state_name": "Down",
    },
    "status": {"capacity": "0B", "available": "0B", "last_heartbeat_ts": "1970-01-01T00:00:00Z"},
}


def test_a_store_that_never_heartbeated_was_never_heard_from() -> None:
    store = StoreInfo.model_validate(REGISTERED)
    assert store.store.state_name == StoreStateName.DOWN
    assert last_heard(store) is None


def test_a_heartbeating_store_was_heard_at_its_last_heartbeat() -> None:
    at = datetime(2026, 11, 29, 20, 48, 25, tzinfo=UTC)
    heartbeated = {
        "store": {**REGISTERED["store"], "state_name": "Up", "last_heartbeat": 1764449305000000000},
        "status": {"last_heartbeat_ts": at.isoformat()},
    }
    assert last_heard(StoreInfo.model_validate(heartbeated)) == at
