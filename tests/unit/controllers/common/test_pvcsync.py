"""PVCs grow in place, only where the API server would let them, and say so where not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from apis import conditions as cond
from controllers.common.conditions import find
from controllers.common.deps import Deps
from controllers.common.objects import Object
from controllers.common.pvcsync import (
    NOT_BLOCKED,
    VOLUME_EXPANSION_NOT_ALLOWED,
    Step,
    expansion,
    sync_pvcs,
)
from controllers.tikv.context import Context
from tikv_operator.kube import resources

from ..tikv.samples import tikv_instance
from .fakes import FakeClient, FakeEvents

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def pvc(storage: str, *, bound: bool = True, storage_class: str | None = "standard") -> Object:
    spec: Object = {"resources": {"requests": {"storage": storage}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    out: Object = {
        "metadata": {"name": "data-basic-tikv-abc123", "namespace": "ns", "uid": "pvc-uid"},
        "spec": spec,
    }
    if bound:
        out["status"] = {"phase": "Bound", "capacity": {"storage": storage}}
    return out


def storage_class(allow: bool | None) -> Object:
    out: Object = {"metadata": {"name": "standard"}, "provisioner": "x"}
    if allow is not None:
        out["allowVolumeExpansion"] = allow
    return out


EXPANDABLE = storage_class(True)


@pytest.mark.parametrize(
    ("desired", "existing", "klass", "step"),
    [
        ("20Gi", pvc("20Gi"), EXPANDABLE, Step.NONE),
        ("20480Mi", pvc("20Gi"), EXPANDABLE, Step.NONE),
        ("10Gi", pvc("20Gi"), EXPANDABLE, Step.NONE),
        ("30Gi", pvc("20Gi"), EXPANDABLE, Step.EXPAND),
        ("30Gi", pvc("20Gi", bound=False), EXPANDABLE, Step.WAIT_BOUND),
        ("30Gi", pvc("20Gi"), storage_class(False), Step.NOT_ALLOWED),
        ("30Gi", pvc("20Gi"), storage_class(None), Step.NOT_ALLOWED),
        ("30Gi", pvc("20Gi"), None, Step.NOT_ALLOWED),
        ("30Gi", pvc("20Gi", storage_class=None), None, Step.NOT_ALLOWED),
    ],
    ids=[
        "same size",
        "same size in another unit",
        "smaller: never shrink",
        "larger, class allows",
        "larger, not bound yet",
        "class forbids",
        "class silent",
        "class missing",
        "no class",
    ],
)
def test_expansion_decision(
    desired: str, existing: Object, klass: Object | None, step: Step
) -> None:
    assert expansion(pvc(desired), existing, klass).step == step


def test_a_refusal_says_what_to_do() -> None:
    message = expansion(pvc("30Gi"), pvc("20Gi"), storage_class(False)).message
    assert "StorageClass standard" in message
    assert "allowVolumeExpansion: true" in message
    assert "keeps 20Gi" in message


def context(existing: Object, klass: Object | None) -> tuple[Context, FakeClient, FakeEvents]:
    client = FakeClient()
    if klass is not None:
        client.put(resources.STORAGECLASS, klass)
    events = FakeEvents()
    deps = Deps(client, events, {}, now=lambda: NOW)  # type: ignore[arg-type]
    ctx = Context(deps, "ns/basic-tikv-abc123")
    ctx.loaded = tikv_instance()
    ctx.raw = {"metadata": {"name": "basic-tikv-abc123", "namespace": "ns"}}
    return ctx, client, events


async def test_a_grown_volume_is_patched_on_the_claim_with_its_uid() -> None:
    existing = pvc("10Gi")
    ctx, client, events = context(existing, EXPANDABLE)
    await sync_pvcs(ctx, [pvc("20Gi")], {"data-basic-tikv-abc123": existing})
    (call,) = client.calls
    assert (call.verb, call.kind) == ("patch", "PersistentVolumeClaim")
    assert call.body == {
        "metadata": {"uid": "pvc-uid"},
        "spec": {"resources": {"requests": {"storage": "20Gi"}}},
    }
    assert events.reasons() == ["VolumeExpanded"]


async def test_a_class_that_cannot_expand_blocks_once_and_patches_nothing() -> None:
    existing = pvc("10Gi")
    ctx, client, events = context(existing, storage_class(False))
    for _ in range(2):
        await sync_pvcs(ctx, [pvc("20Gi")], {"data-basic-tikv-abc123": existing})
    assert client.calls == []
    blocked = find(ctx.conditions, cond.BLOCKED)
    assert blocked is not None and blocked.status == "True"
    assert blocked.reason == VOLUME_EXPANSION_NOT_ALLOWED
    assert events.reasons() == [VOLUME_EXPANSION_NOT_ALLOWED]


async def test_the_block_lifts_once_the_claim_can_grow() -> None:
    existing = pvc("10Gi")
    ctx, client, _ = context(existing, storage_class(False))
    await sync_pvcs(ctx, [pvc("20Gi")], {"data-basic-tikv-abc123": existing})
    client.put(resources.STORAGECLASS, EXPANDABLE)
    await sync_pvcs(ctx, [pvc("20Gi")], {"data-basic-tikv-abc123": existing})
    blocked = find(ctx.conditions, cond.BLOCKED)
    assert blocked is not None and (blocked.status, blocked.reason) == ("False", NOT_BLOCKED)
    assert [c.verb for c in client.calls] == ["patch"]


async def test_an_unchanged_claim_reads_no_storage_class() -> None:
    existing = pvc("10Gi")
    ctx, client, _ = context(existing, None)

    async def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("read a StorageClass")

    client.get_or_none = refuse  # type: ignore[method-assign]
    await sync_pvcs(ctx, [pvc("10Gi")], {"data-basic-tikv-abc123": existing})
    assert find(ctx.conditions, cond.BLOCKED) is None
