"""The client against a tiny local HTTP server that records what it is sent."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from kubernetes_asyncio.client import ApiClient, Configuration

from tikv_operator import metrics
from tikv_operator.kube.client import ApiError, Client, update_with_retry
from tikv_operator.kube.resources import CONFIGMAP, PD, POD


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, Any]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.text()
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "content_type": request.headers.get("Content-Type"),
                "body": json.loads(body) if body else None,
            }
        )
        status, answer = self.answers.pop(0) if self.answers else (200, {})
        if isinstance(answer, list):  # a watch stream: one JSON object a line
            response = web.StreamResponse(status=status)
            await response.prepare(request)
            for line in answer:
                await response.write(json.dumps(line).encode() + b"\n")
            return response
        return web.json_response(answer, status=status)


@pytest.fixture
async def server() -> AsyncIterator[tuple[FakeServer, Client]]:
    fake = FakeServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    configuration = Configuration(host=f"http://127.0.0.1:{port}")
    client = Client(ApiClient(configuration))
    yield fake, client
    await client.close()
    await runner.cleanup()


async def test_get_builds_core_and_custom_resource_paths(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    await client.get(POD, "p", "ns")
    await client.get(PD, "basic-pd-0", "ns")
    assert [r["path"] for r in fake.requests] == [
        "/api/v1/namespaces/ns/pods/p",
        "/apis/core.tikv.org/v1alpha1/namespaces/ns/pds/basic-pd-0",
    ]


async def test_a_non_2xx_answer_raises_api_error_with_the_status(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [(404, {"kind": "Status", "code": 404, "reason": "NotFound", "message": "gone"})]
    with pytest.raises(ApiError) as raised:
        await client.get(POD, "p", "ns")
    assert raised.value.not_found
    assert raised.value.reason == "NotFound"


async def test_get_or_none_returns_none_for_a_missing_object(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [(404, {"code": 404})]
    assert await client.get_or_none(POD, "p", "ns") is None


async def test_list_follows_continue_tokens_and_fills_in_kind(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [
        (
            200,
            {
                "metadata": {"continue": "t1", "resourceVersion": "5"},
                "items": [{"metadata": {"name": "a"}}],
            },
        ),
        (200, {"metadata": {"resourceVersion": "7"}, "items": [{"metadata": {"name": "b"}}]}),
    ]
    listed = await client.list(CONFIGMAP, "ns", label_selector="a=b", page_size=1)
    assert [i["metadata"]["name"] for i in listed.items] == ["a", "b"]
    assert listed.items[0]["kind"] == "ConfigMap"
    assert listed.resource_version == "7"
    assert fake.requests[1]["query"] == {"labelSelector": "a=b", "limit": "1", "continue": "t1"}


async def test_patch_sends_a_merge_patch(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    await client.patch_status(PD, "p", {"status": {"health": True}}, "ns")
    request = fake.requests[0]
    assert request["content_type"] == "application/merge-patch+json"
    assert request["path"].endswith("/pds/p/status")
    assert request["body"] == {"status": {"health": True}}


async def test_apply_is_a_forced_server_side_apply_as_tikv_operator(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    await client.apply(
        CONFIGMAP, {"metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}}
    )
    request = fake.requests[0]
    assert request["method"] == "PATCH"
    assert request["content_type"] == "application/apply-patch+yaml"
    assert request["query"] == {"fieldManager": "tikv-operator", "force": "true"}
    assert request["body"]["apiVersion"] == "v1"
    assert request["body"]["kind"] == "ConfigMap"


async def test_delete_sends_uid_and_version_preconditions(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    assert await client.delete(POD, "p", "ns", uid="u1", resource_version="9")
    assert fake.requests[0]["body"]["preconditions"] == {"uid": "u1", "resourceVersion": "9"}


async def test_delete_of_a_missing_object_reports_false(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    fake.answers = [(404, {"code": 404})]
    assert not await client.delete(POD, "p", "ns")


async def test_requests_are_counted_by_code_and_method(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    fake.answers = [(409, {"code": 409})]
    counter = metrics.REST_CLIENT_REQUESTS.labels("409", "PUT", client._host)
    before = counter._value.get()
    with pytest.raises(ApiError):
        await client.replace(POD, {"metadata": {"name": "p", "namespace": "ns"}})
    assert counter._value.get() == before + 1


async def test_watch_yields_events_until_the_server_ends_the_stream(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [
        (
            200,
            [
                {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "2"}}},
                {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "3"}}},
            ],
        )
    ]
    events = [e async for e in client.watch(POD, "ns", resource_version="1", timeout_seconds=300)]
    assert [e.type for e in events] == ["ADDED", "BOOKMARK"]
    assert fake.requests[0]["query"] == {
        "watch": "true",
        "resourceVersion": "1",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "300",
    }


async def test_watch_raises_gone_for_an_expired_version(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    fake.answers = [
        (200, [{"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired"}}])
    ]
    with pytest.raises(ApiError) as raised:
        async for _ in client.watch(POD, "ns", resource_version="1"):
            pass
    assert raised.value.gone


async def test_update_with_retry_rereads_after_a_conflict(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [
        (200, {"metadata": {"name": "c", "namespace": "ns", "resourceVersion": "1"}}),
        (409, {"code": 409, "reason": "Conflict"}),
        (200, {"metadata": {"name": "c", "namespace": "ns", "resourceVersion": "2"}}),
        (
            200,
            {
                "metadata": {"name": "c", "namespace": "ns", "resourceVersion": "3"},
                "data": {"k": "v"},
            },
        ),
    ]

    def set_data(obj: dict[str, Any]) -> bool:
        obj["data"] = {"k": "v"}
        return True

    updated = await update_with_retry(client, CONFIGMAP, "ns/c", set_data)
    assert updated["metadata"]["resourceVersion"] == "3"
    assert [r["method"] for r in fake.requests] == ["GET", "PUT", "GET", "PUT"]
    assert fake.requests[3]["body"]["metadata"]["resourceVersion"] == "2"
