import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from tikv_operator.pdapi.client import PDClient, RetryPolicy
from tikv_operator.pdapi.errors import (
    NoLeader,
    NotBootstrapped,
    NotFound,
    PDError,
    StoresNotEnough,
    Unavailable,
)
from tikv_operator.pdapi.models import StoreState

Handler = Callable[[httpx.Request], httpx.Response]
NOT_BOOTSTRAPPED = (
    "[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first"
)


def pd_json(status: int, body: Any) -> httpx.Response:
    """An answer shaped like PD's: 2-space indented JSON with a trailing newline."""
    return httpx.Response(status, content=(json.dumps(body, indent=2) + "\n").encode())


class FakePD:
    """Records requests and answers each with the next scripted response."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[httpx.Response | Exception] = []

    def answer(self, *answers: httpx.Response | Exception) -> None:
        self.answers.extend(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else pd_json(200, "ok")
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


class RecordedSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def pd() -> FakePD:
    return FakePD()


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
async def client(pd: FakePD, sleep: RecordedSleep) -> AsyncIterator[PDClient]:
    async with PDClient(
        "http://basic-pd.ns:2379/",
        cluster="ns/basic",
        transport=httpx.MockTransport(pd),
        sleep=sleep,
        retry=RetryPolicy(attempts=3, initial_backoff=0.5, max_backoff=0.8),
    ) as c:
        yield c


MEMBER = {
    "name": "basic-pd-0",
    "member_id": 3474484975246189105,
    "peer_urls": ["http://basic-pd-0.basic-pd-peer.ns:2380"],
    "client_urls": ["http://basic-pd-0.basic-pd-peer.ns:2379"],
    "binary_version": "v8.5.1",
}


async def test_get_members_parses_members_leader_and_cluster_id(
    client: PDClient, pd: FakePD
) -> None:
    pd.answer(
        pd_json(
            200,
            {
                "header": {"cluster_id": 7424811537418416129},
                "members": [MEMBER, {"member_id": 9, "peer_urls": ["http://new:2380"]}],
                "leader": MEMBER,
                "etcd_leader": MEMBER,
            },
        )
    )
    members = await client.get_members()
    assert pd.last.method == "GET"
    assert pd.last.url == "http://basic-pd.ns:2379/pd/api/v1/members"
    assert members.header.cluster_id == 7424811537418416129
    assert members.leader is not None and members.leader.name == "basic-pd-0"
    assert [m.name for m in members.members] == ["basic-pd-0", ""]


async def test_get_health_parses_a_list(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, [{"name": "basic-pd-0", "member_id": 1, "health": True}]))
    health = await client.get_health()
    assert pd.last.url.path == "/pd/api/v1/health"
    assert [(h.name, h.health) for h in health] == [("basic-pd-0", True)]


async def test_get_leader_parses_a_member(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, MEMBER))
    assert (await client.get_leader()).member_id == MEMBER["member_id"]
    assert pd.last.url.path == "/pd/api/v1/leader"


async def test_get_stores_asks_for_every_state_including_tombstone(
    client: PDClient, pd: FakePD
) -> None:
    pd.answer(
        pd_json(
            200,
            {
                "count": 2,
                "stores": [
                    {"store": {"id": 1, "address": "kv-0:20160", "state_name": "Up"}},
                    {
                        "store": {
                            "id": 4,
                            "address": "kv-1:20160",
                            "state": 2,
                            "node_state": 3,
                            "state_name": "Tombstone",
                        },
                        "status": {"region_count": 0},
                    },
                ],
            },
        )
    )
    stores = await client.get_stores()
    assert pd.last.url.path == "/pd/api/v1/stores"
    assert pd.last.url.params.get_list("state") == ["0", "1", "2"]
    assert [s.store.state for s in stores] == [StoreState.UP, StoreState.TOMBSTONE]


async def test_get_stores_raises_not_bootstrapped_before_tikv_starts(
    client: PDClient, pd: FakePD
) -> None:
    pd.answer(pd_json(500, NOT_BOOTSTRAPPED))
    with pytest.raises(NotBootstrapped):
        await client.get_stores()


async def test_get_stores_if_bootstrapped_answers_no_stores_before_tikv_starts(
    client: PDClient, pd: FakePD
) -> None:
    pd.answer(pd_json(500, NOT_BOOTSTRAPPED))
    assert await client.get_stores_if_bootstrapped() == []


async def test_get_store_reads_one_store(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, {"store": {"id": 5, "state": 1}, "status": {"leader_count": 3}}))
    info = await client.get_store(5)
    assert pd.last.url.path == "/pd/api/v1/store/5"
    assert (info.store.state, info.status.leader_count) == (StoreState.OFFLINE, 3)


async def test_get_store_unknown_raises_not_found(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(404, "[PD:core:ErrStoreNotFound]store 5 not found"))
    with pytest.raises(NotFound):
        await client.get_store(5)


@pytest.mark.parametrize(
    ("call", "method", "path", "params"),
    [
        (lambda c: c.transfer_leader("pd-1"), "POST", "/leader/transfer/pd-1", {}),
        (lambda c: c.resign_leader(), "POST", "/leader/resign", {}),
        (lambda c: c.delete_member_by_name("pd-2"), "DELETE", "/members/name/pd-2", {}),
        (lambda c: c.delete_member_by_id(77), "DELETE", "/members/id/77", {}),
        (lambda c: c.delete_store(5), "DELETE", "/store/5", {}),
        (lambda c: c.cancel_store_offline(5), "POST", "/store/5/state", {"state": "Up"}),
        (lambda c: c.remove_tombstones(), "DELETE", "/stores/remove-tombstone", {}),
        (
            lambda c: c.end_evict_leader(5),
            "DELETE",
            "/scheduler-config/evict-leader-scheduler/delete/5",
            {},
        ),
    ],
)
async def test_state_changing_calls_send_the_documented_request(
    client: PDClient, pd: FakePD, call: Any, method: str, path: str, params: dict[str, str]
) -> None:
    await call(client)
    assert pd.last.method == method
    assert pd.last.url.path == "/pd/api/v1" + path
    assert dict(pd.last.url.params) == params


async def test_delete_store_never_sends_force(client: PDClient, pd: FakePD) -> None:
    await client.delete_store(5)
    assert "force" not in pd.last.url.params


async def test_delete_store_raises_stores_not_enough(client: PDClient, pd: FakePD) -> None:
    pd.answer(
        pd_json(
            400,
            "[PD:core:ErrStoresNotEnough]can not remove store 1 since the number of up stores"
            " would be 2 while need 3",
        )
    )
    with pytest.raises(StoresNotEnough):
        await client.delete_store(1)


async def test_set_store_labels_posts_a_json_object(client: PDClient, pd: FakePD) -> None:
    await client.set_store_labels(5, {"zone": "z1", "host": "n1"})
    assert (pd.last.method, pd.last.url.path) == ("POST", "/pd/api/v1/store/5/label")
    assert json.loads(pd.last.content) == {"zone": "z1", "host": "n1"}


async def test_begin_evict_leader_posts_the_scheduler_with_store_id(
    client: PDClient, pd: FakePD
) -> None:
    await client.begin_evict_leader(5)
    assert (pd.last.method, pd.last.url.path) == ("POST", "/pd/api/v1/schedulers")
    assert json.loads(pd.last.content) == {"name": "evict-leader-scheduler", "store_id": 5}


async def test_end_evict_leader_already_gone_is_success(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(404, "[PD:scheduler:ErrSchedulerNotFound]scheduler not found"))
    await client.end_evict_leader(5)
    assert len(pd.requests) == 1


async def test_get_evict_leader_stores_reads_store_ids(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, {"store-id-ranges": {"4": [{}], "7": [{}]}, "batch": 3}))
    assert await client.get_evict_leader_stores() == {4, 7}
    assert pd.last.url.path == "/pd/api/v1/scheduler-config/evict-leader-scheduler/list"


async def test_get_evict_leader_stores_without_scheduler_is_empty(
    client: PDClient, pd: FakePD
) -> None:
    pd.answer(httpx.Response(404, content=b"404 page not found\n"))
    assert await client.get_evict_leader_stores() == set()


async def test_get_config_reads_replication_and_store_down_time(
    client: PDClient, pd: FakePD
) -> None:
    pd.answer(
        pd_json(
            200,
            {
                "cluster-version": "8.5.1",
                "replication": {"max-replicas": 3, "location-labels": "zone"},
                "schedule": {"max-store-down-time": "30m0s"},
            },
        )
    )
    config = await client.get_config()
    assert pd.last.url.path == "/pd/api/v1/config"
    assert config.replication.location_labels == ("zone",)
    assert config.schedule.max_store_down_time == "30m0s"


async def test_get_replication_config(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, {"max-replicas": 1, "location-labels": ""}))
    assert (await client.get_replication_config()).max_replicas == 1
    assert pd.last.url.path == "/pd/api/v1/config/replicate"


async def test_get_cluster(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, {"id": 7424811537418416129, "max_peer_count": 3}))
    assert (await client.get_cluster()).id == 7424811537418416129
    assert pd.last.url.path == "/pd/api/v1/cluster"


async def test_get_status(client: PDClient, pd: FakePD) -> None:
    pd.answer(
        pd_json(
            200,
            {"build_ts": "None", "version": "v8.5.1", "git_hash": "5036", "start_timestamp": 17},
        )
    )
    status = await client.get_status()
    assert (status.version, status.start_timestamp) == ("v8.5.1", 17)
    assert pd.last.url.path == "/pd/api/v1/status"


async def test_get_down_peer_regions(client: PDClient, pd: FakePD) -> None:
    pd.answer(
        pd_json(
            200,
            {
                "count": 1,
                "regions": [
                    {
                        "id": 8,
                        "down_peers": [{"peer": {"id": 9, "store_id": 4}, "down_seconds": 120}],
                    }
                ],
            },
        )
    )
    regions = await client.get_down_peer_regions()
    assert pd.last.url.path == "/pd/api/v1/regions/check/down-peer"
    assert regions.regions[0].down_peers[0].peer.store_id == 4


async def test_get_retries_unavailable_with_backoff(
    client: PDClient, pd: FakePD, sleep: RecordedSleep
) -> None:
    pd.answer(
        httpx.ConnectError("refused"),
        pd_json(503, "[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader"),
        pd_json(200, MEMBER),
    )
    assert (await client.get_leader()).name == "basic-pd-0"
    assert len(pd.requests) == 3
    assert sleep.delays == [0.5, 0.8]


async def test_get_gives_up_after_the_last_attempt(client: PDClient, pd: FakePD) -> None:
    pd.answer(*(httpx.ReadTimeout("slow") for _ in range(3)))
    with pytest.raises(Unavailable):
        await client.get_leader()
    assert len(pd.requests) == 3


async def test_get_does_not_retry_definite_errors(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(404, "[PD:core:ErrStoreNotFound]store 5 not found"))
    with pytest.raises(NotFound):
        await client.get_store(5)
    assert len(pd.requests) == 1


async def test_state_changing_calls_are_never_retried(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(503, "[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader"))
    with pytest.raises(NoLeader):
        await client.transfer_leader("pd-1")
    assert len(pd.requests) == 1


async def test_transport_failure_is_unavailable(client: PDClient, pd: FakePD) -> None:
    pd.answer(httpx.ConnectError("refused"))
    with pytest.raises(Unavailable):
        await client.delete_store(1)


async def test_an_answer_of_the_wrong_shape_is_a_pd_error(client: PDClient, pd: FakePD) -> None:
    pd.answer(pd_json(200, {"id": "not-a-number"}))
    with pytest.raises(PDError, match="unexpected answer"):
        await client.get_cluster()


async def test_each_call_is_counted_by_cluster_api_and_code(client: PDClient, pd: FakePD) -> None:
    labels = {"cluster": "ns/basic", "api": "store", "code": "404"}
    before = REGISTRY.get_sample_value("tikv_operator_pd_requests_total", labels) or 0.0
    pd.answer(pd_json(404, "[PD:core:ErrStoreNotFound]store 5 not found"))
    with pytest.raises(NotFound):
        await client.get_store(5)
    assert REGISTRY.get_sample_value("tikv_operator_pd_requests_total", labels) == before + 1
