import asyncio
import contextlib

from tikv_operator.kube.client import Client
from tikv_operator.kube.events import EventRecorder

from .test_client import FakeServer
from .test_client import server as server  # the fixture

PD_OBJECT = {
    "apiVersion": "core.tikv.org/v1alpha1",
    "kind": "PD",
    "metadata": {"name": "basic-pd-0", "namespace": "ns", "uid": "u1", "resourceVersion": "5"},
}


async def recorded(client: Client, *notes: str) -> None:
    recorder = EventRecorder(client, instance="op-1")
    task = asyncio.create_task(recorder.run())
    for note in notes:
        recorder.record(PD_OBJECT, "Normal", "LeaderTransferred", "TransferLeader", note)
    await asyncio.wait_for(recorder.flush(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_an_event_is_created_about_the_object(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    fake.answers = [(201, {"metadata": {"name": "basic-pd-0.abc", "namespace": "ns"}})]
    await recorded(client, "leader moved to basic-pd-1")
    request = fake.requests[0]
    assert (request["method"], request["path"]) == (
        "POST",
        "/apis/events.k8s.io/v1/namespaces/ns/events",
    )
    body = request["body"]
    assert body["regarding"] == {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "PD",
        "namespace": "ns",
        "name": "basic-pd-0",
        "uid": "u1",
        "resourceVersion": "5",
    }
    assert (body["type"], body["reason"], body["action"]) == (
        "Normal",
        "LeaderTransferred",
        "TransferLeader",
    )
    assert body["reportingInstance"] == "op-1"


async def test_a_repeated_event_updates_the_series_count_instead_of_creating_another(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [(201, {"metadata": {"name": "basic-pd-0.abc", "namespace": "ns"}})]
    await recorded(client, "same", "same", "same")
    assert [r["method"] for r in fake.requests] == ["POST", "PATCH", "PATCH"]
    assert fake.requests[1]["path"].endswith("/events/basic-pd-0.abc")
    assert [r["body"]["series"]["count"] for r in fake.requests[1:]] == [2, 3]


async def test_a_different_note_is_a_new_event(server: tuple[FakeServer, Client]) -> None:
    fake, client = server
    fake.answers = [
        (201, {"metadata": {"name": "e1", "namespace": "ns"}}),
        (201, {"metadata": {"name": "e2", "namespace": "ns"}}),
    ]
    await recorded(client, "one", "two")
    assert [r["method"] for r in fake.requests] == ["POST", "POST"]


async def test_a_failed_write_is_logged_and_later_events_still_go_out(
    server: tuple[FakeServer, Client],
) -> None:
    fake, client = server
    fake.answers = [(500, {"code": 500}), (201, {"metadata": {"name": "e2", "namespace": "ns"}})]
    await recorded(client, "one", "two")
    assert [r["body"]["note"] for r in fake.requests] == ["one", "two"]
