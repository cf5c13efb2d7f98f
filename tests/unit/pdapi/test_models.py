from datetime import UTC, datetime

from tikv_operator.pdapi.models import (
    EvictLeaderConfig,
    Members,
    NodeState,
    ReplicationConfig,
    StoreInfo,
    StoreState,
    StoreStateName,
)


def test_up_store_with_omitted_zero_values_parses_to_defaults() -> None:
    info = StoreInfo.model_validate(
        {"store": {"id": 1, "address": "a:20160", "state_name": "Up"}, "status": {}}
    )
    assert info.store.state is StoreState.UP
    assert info.store.node_state is NodeState.PREPARING
    assert info.store.labels == ()
    assert info.status.leader_count == 0
    assert info.status.last_heartbeat_ts is None


def test_store_enums_parse_from_integers() -> None:
    info = StoreInfo.model_validate(
        {"store": {"id": 2, "state": 1, "node_state": 2, "state_name": "Offline"}}
    )
    assert info.store.state is StoreState.OFFLINE
    assert info.store.node_state is NodeState.REMOVING
    assert info.store.state_name is StoreStateName.OFFLINE


def test_store_enums_parse_from_names() -> None:
    info = StoreInfo.model_validate(
        {"store": {"id": 2, "state": "Tombstone", "node_state": "Removed"}}
    )
    assert info.store.state is StoreState.TOMBSTONE
    assert info.store.node_state is NodeState.REMOVED


def test_uint64_ids_beyond_float_precision_are_exact() -> None:
    members = Members.model_validate_json(
        '{"header": {"cluster_id": 7424811537418416129},'
        ' "members": [{"name": "pd-0", "member_id": 18446744073709551615}]}'
    )
    assert members.header.cluster_id == 7424811537418416129
    assert members.members[0].member_id == 18446744073709551615


def test_store_status_keeps_heartbeat_time_and_human_sizes() -> None:
    info = StoreInfo.model_validate(
        {
            "store": {"id": 1},
            "status": {
                "capacity": "100GiB",
                "leader_count": 12,
                "region_count": 30,
                "last_heartbeat_ts": "2025-01-09T10:04:46.123456789Z",
                "uptime": "1h2m3s",
            },
        }
    )
    assert info.status.capacity == "100GiB"
    assert info.status.region_count == 30
    assert info.status.last_heartbeat_ts is not None
    assert info.status.last_heartbeat_ts.replace(microsecond=0) == datetime(
        2025, 1, 9, 10, 4, 46, tzinfo=UTC
    )


def test_replication_config_splits_location_labels_and_reads_string_booleans() -> None:
    config = ReplicationConfig.model_validate(
        {
            "max-replicas": 5,
            "location-labels": "zone,host",
            "strictly-match-label": "true",
            "enable-placement-rules": "false",
            "isolation-level": "",
        }
    )
    assert config.max_replicas == 5
    assert config.location_labels == ("zone", "host")
    assert config.strictly_match_label is True
    assert config.enable_placement_rules is False


def test_replication_config_empty_location_labels_is_empty_tuple() -> None:
    assert ReplicationConfig.model_validate({"location-labels": ""}).location_labels == ()


def test_evict_leader_config_keys_are_store_ids() -> None:
    config = EvictLeaderConfig.model_validate(
        {"store-id-ranges": {"4": [{"start-key": "", "end-key": ""}]}, "batch": 3}
    )
    assert set(config.store_id_ranges) == {4}


def test_unknown_keys_are_ignored() -> None:
    members = Members.model_validate({"members": [{"name": "pd-0", "dc_location": "x"}]})
    assert members.members[0].name == "pd-0"
