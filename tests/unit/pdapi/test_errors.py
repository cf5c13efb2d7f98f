import pytest

from tikv_operator.pdapi.errors import (
    NoLeader,
    NotBootstrapped,
    NotFound,
    PDError,
    StoresNotEnough,
    StoreTombstoned,
    Unavailable,
    error_for,
    message_of,
)

NOT_BOOTSTRAPPED = (
    "[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first"
)


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (500, NOT_BOOTSTRAPPED, NotBootstrapped),
        (406, NOT_BOOTSTRAPPED, NotBootstrapped),
        (
            400,
            "[PD:core:ErrStoresNotEnough]can not remove store 1 since the number of up stores "
            "would be 2 while need 3",
            StoresNotEnough,
        ),
        (410, "[PD:core:ErrStoreRemoved]store 4 has been removed", StoreTombstoned),
        (404, "[PD:core:ErrStoreNotFound]store 9 not found", NotFound),
        (404, "not found, pd: pd-2", NotFound),
        (503, "[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader", NoLeader),
        (503, "[PD:server:ErrLeaderNil]leader is nil", NoLeader),
        (502, "bad gateway", Unavailable),
        (504, "gateway timeout", Unavailable),
        (500, "etcdserver: member not found", PDError),
        (400, "[PD:core:ErrStoreIsUp]store is still up", PDError),
    ],
)
def test_error_for_maps_pd_answers_to_typed_errors(
    status: int, message: str, expected: type[PDError]
) -> None:
    error = error_for(status, message, "api")
    assert type(error) is expected
    assert error.status == status
    assert error.message == message


def test_no_leader_is_a_kind_of_unavailable() -> None:
    assert isinstance(error_for(503, "[PD:apiutil:ErrRedirectNoLeader]x", "api"), Unavailable)


def test_message_of_unquotes_a_json_string() -> None:
    assert message_of(b'"store 5 not found"\n') == "store 5 not found"


def test_message_of_reads_msg_from_an_error_object() -> None:
    body = b'{\n  "code": "input",\n  "msg": "invalid store id",\n  "data": null\n}\n'
    assert message_of(body) == "invalid store id"


def test_message_of_keeps_plain_text() -> None:
    assert message_of(b"404 page not found\n") == "404 page not found"


def test_error_string_names_api_and_status() -> None:
    assert str(error_for(404, "gone", "get_store")) == "PD get_store 404: gone"
