"""A Pod's labels and annotations change in place, with an event only for the user's keys."""

from __future__ import annotations

from datetime import UTC, datetime

from apis.labels import APPLIED_LABELS, INSTANCE_REVISION_HASH, POD_HASH
from controllers.common.deps import Deps
from controllers.common.objects import Object
from controllers.common.pods import EVENT_METADATA_PATCHED, patch_pod_metadata, pod_ready_since
from controllers.tikv.context import Context

from ..tikv.samples import tikv_instance
from .fakes import FakeClient, FakeEvents


def pod(labels: dict[str, str], annotations: dict[str, str]) -> Object:
    meta = {"name": "p", "namespace": "ns", "uid": "u1", "labels": labels}
    return {"metadata": {**meta, "annotations": annotations}}


def context() -> tuple[Context, FakeClient, FakeEvents]:
    client, events = FakeClient(), FakeEvents()
    deps = Deps(client, events, {}, now=lambda: datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    ctx = Context(deps, "ns/p")
    ctx.loaded = tikv_instance()
    ctx.raw = {"metadata": {"name": "p", "namespace": "ns"}}
    return ctx, client, events


async def test_a_template_label_is_patched_with_the_pods_uid_and_an_event() -> None:
    ctx, client, events = context()
    running = pod({}, {})
    desired = pod({"team": "db"}, {APPLIED_LABELS: "team"})
    patched = await patch_pod_metadata(ctx, running, desired)
    assert patched is not None and patched["metadata"]["labels"] == {"team": "db"}
    (call,) = client.calls
    assert call.body["metadata"]["uid"] == "u1"
    assert call.body["metadata"]["labels"] == {"team": "db"}
    assert events.reasons() == [EVENT_METADATA_PATCHED]


async def test_the_operators_own_keys_change_quietly() -> None:
    ctx, client, events = context()
    running = pod({INSTANCE_REVISION_HASH: "r1"}, {POD_HASH: "h1"})
    desired = pod({INSTANCE_REVISION_HASH: "r2"}, {POD_HASH: "h2"})
    assert await patch_pod_metadata(ctx, running, desired) is not None
    assert len(client.calls) == 1 and events.reasons() == []


async def test_nothing_to_change_sends_nothing() -> None:
    ctx, client, _ = context()
    same = pod({"team": "db"}, {APPLIED_LABELS: "team"})
    assert await patch_pod_metadata(ctx, same, same) is None
    assert client.calls == []


def test_ready_since_is_the_ready_conditions_transition() -> None:
    ready: Object = {
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z"}
            ]
        }
    }
    assert pod_ready_since(ready) == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert pod_ready_since(None) is None
    assert (
        pod_ready_since({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}) is None
    )
