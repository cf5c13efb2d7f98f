"""Changes that reach running TiKV instances in place, against the real control plane and the
PD simulator (the harness of test_tikv_controllers): template labels and annotations, a
larger volume, a hot-reloaded config; and a config change under Restart, which rolls."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from apis import TiKV
from apis import conditions as cond
from controllers.common.conditions import find
from controllers.common.hotreload import EVENT_HOT_RELOADED
from controllers.common.pods import EVENT_METADATA_PATCHED
from controllers.common.pvcsync import EVENT_VOLUME_EXPANDED, VOLUME_EXPANSION_NOT_ALLOWED
from controllers.tikv.build import CONFIG_FILE, advertise_address
from hack.provisioner import PROVISIONER
from tests.integration.test_tikv_controllers import (
    GROUP_NAME,
    Harness,
    create_cluster,
    eventually,
    harness,
)
from tikv_operator.kube import resources

__all__ = ["harness"]

pytestmark = pytest.mark.integration

TIKV_PODS = "app.kubernetes.io/component=tikv"


@pytest.fixture
def h(harness: Harness) -> Harness:
    return harness


async def create(
    h: Harness,
    *,
    config: str = "",
    strategy: str = "Restart",
    storage_class: str | None = None,
    min_ready_seconds: int = 0,
) -> list[TiKV]:
    """The harness's cluster, with three stores of these settings, brought up and settled."""
    volume: dict[str, Any] = {"name": "data", "mounts": [{"type": "data"}], "storage": "1Gi"}
    if storage_class is not None:
        volume["storageClassName"] = storage_class
    template = {"config": config, "updateStrategy": {"config": strategy}, "volumes": [volume]}
    await create_cluster(
        h,
        3,
        "2s",
        group_spec={"minReadySeconds": min_ready_seconds},
        template_spec=template,
    )
    await eventually(lambda: h.settled(3))
    return await h.tikvs()


async def patch_template(h: Harness, template: dict[str, Any]) -> None:
    patch = {"spec": {"template": template}}
    await h.client.patch(resources.TIKVGROUP, GROUP_NAME, patch, h.namespace)


async def pods(h: Harness) -> dict[str, dict[str, Any]]:
    listed = await h.client.list(resources.POD, h.namespace, label_selector=TIKV_PODS)
    return {p["metadata"]["name"]: p for p in listed.items}


async def pod_uids(h: Harness) -> dict[str, str]:
    return {name: p["metadata"]["uid"] for name, p in (await pods(h)).items()}


@contextlib.asynccontextmanager
async def pod_deletions(h: Harness) -> AsyncIterator[list[tuple[float, str]]]:
    """(loop time, uid) of every TiKV Pod whose deletion begins meanwhile, from a watch: with
    kwok a Pod is gone and back under its name within a poll."""
    seen: list[tuple[float, str]] = []
    listed = await h.client.list(resources.POD, h.namespace, label_selector=TIKV_PODS)

    async def watch() -> None:
        stream = h.client.watch(
            resources.POD,
            h.namespace,
            resource_version=listed.resource_version,
            label_selector=TIKV_PODS,
        )
        async for event in stream:
            meta = event.object["metadata"]
            going = event.type == "DELETED" or bool(meta.get("deletionTimestamp"))
            if going and meta["uid"] not in {uid for _, uid in seen}:
                seen.append((asyncio.get_running_loop().time(), meta["uid"]))

    watcher = asyncio.create_task(watch())
    try:
        yield seen
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def has_events(h: Harness, reason: str, at_least: int) -> bool:
    """Events are recorded in the background: poll for them."""
    return len(await h.k8s_events(reason)) >= at_least


async def synced(h: Harness, replicas: int = 3) -> bool:
    group = await h.group()
    c = find(group.status.conditions, cond.SYNCED)
    return await h.settled(replicas) and c is not None and c.status == "True"


async def test_template_labels_and_annotations_reach_the_pods_in_place(h: Harness) -> None:
    await create(h)
    uids = await pod_uids(h)

    await patch_template(h, {"metadata": {"labels": {"team": "db"}, "annotations": {"a": "1"}}})

    async def carried() -> bool:
        now = await pods(h)
        return len(now) == 3 and all(
            p["metadata"]["labels"].get("team") == "db"
            and (p["metadata"].get("annotations") or {}).get("a") == "1"
            for p in now.values()
        )

    await eventually(carried)
    await eventually(lambda: synced(h))
    assert await pod_uids(h) == uids
    for tikv in await h.tikvs():
        assert tikv.metadata.labels["team"] == "db"

    # A label dropped from the template leaves the Pods; labels set by others stay.
    name = next(iter(uids))
    mark = {"metadata": {"labels": {"set-by-hand": "yes"}}}
    await h.client.patch(resources.POD, name, mark, h.namespace)
    await patch_template(h, {"metadata": {"labels": None, "annotations": {"a": "2"}}})

    async def dropped() -> bool:
        now = await pods(h)
        return all(
            "team" not in p["metadata"]["labels"] and p["metadata"]["annotations"].get("a") == "2"
            for p in now.values()
        )

    await eventually(dropped)
    assert (await pods(h))[name]["metadata"]["labels"]["set-by-hand"] == "yes"
    assert await pod_uids(h) == uids
    await eventually(lambda: has_events(h, EVENT_METADATA_PATCHED, 1))


async def test_a_larger_volume_expands_the_pvcs_without_restarting_a_pod(h: Harness) -> None:
    tikvs = await create(h)
    uids = await pod_uids(h)

    volume = {"name": "data", "mounts": [{"type": "data"}], "storage": "2Gi"}
    async with pod_deletions(h) as deleted:
        await patch_template(h, {"spec": {"volumes": [volume]}})

    async def expanded() -> bool:
        for tikv in tikvs:
            pvc = await h.client.get(resources.PVC, f"data-{tikv.metadata.name}", h.namespace)
            if pvc["spec"]["resources"]["requests"]["storage"] != "2Gi":
                return False
        return True

        await eventually(expanded)
        await eventually(lambda: synced(h))

    assert deleted == []
    assert await pod_uids(h) == uids
    await eventually(lambda: has_events(h, EVENT_VOLUME_EXPANDED, 3))


async def test_a_storage_class_without_expansion_blocks_the_instance_and_patches_nothing(
    h: Harness,
) -> None:
    klass = f"fixed-{h.namespace}"
    await h.client.create(
        resources.STORAGECLASS,
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": klass},
            "provisioner": PROVISIONER,
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        },
    )
    try:
        tikvs = await create(h, storage_class=klass)
        uids = await pod_uids(h)
        volume = {"name": "data", "mounts": [{"type": "data"}], "storage": "2Gi"}
        await patch_template(h, {"spec": {"volumes": [{**volume, "storageClassName": klass}]}})

        async def blocked() -> bool:
            for tikv in await h.tikvs():
                c = find(tikv.status.conditions, cond.BLOCKED)
                if c is None or c.reason != VOLUME_EXPANSION_NOT_ALLOWED:
                    return False
            return True

        await eventually(blocked)
        tikv = (await h.tikvs())[0]
        message = find(tikv.status.conditions, cond.BLOCKED).message  # type: ignore[union-attr]
        assert klass in message and "allowVolumeExpansion: true" in message
        await eventually(lambda: has_events(h, VOLUME_EXPANSION_NOT_ALLOWED, 1))
        for tikv in tikvs:
            pvc = await h.client.get(resources.PVC, f"data-{tikv.metadata.name}", h.namespace)
            assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"
        assert await pod_uids(h) == uids
    finally:
        await h.client.delete(resources.STORAGECLASS, klass)


HOT_CONFIG = "[raftstore]\nraft-log-gc-threshold = 50\n"


async def test_a_hot_reloaded_config_goes_to_each_store_online(h: Harness) -> None:
    tikvs = await create(h, config=HOT_CONFIG, strategy="HotReload")
    uids = await pod_uids(h)

    addresses = {advertise_address(t) for t in tikvs}

    def reloaded() -> set[str]:
        return {
            e.subject
            for e in h.pd.events
            if e.kind == "tikv-config-set"
            and json.loads(e.detail) == {"raftstore.raft-log-gc-threshold": "100"}
        }

    async def all_reloaded() -> bool:
        return reloaded() == addresses

    async with pod_deletions(h) as deleted:
        await patch_template(h, {"spec": {"config": HOT_CONFIG.replace("50", "100")}})
        await eventually(all_reloaded)
        await eventually(lambda: synced(h))
    assert deleted == []
    for tikv in tikvs:
        cm = await h.client.get(resources.CONFIGMAP, str(tikv.metadata.name), h.namespace)
        assert "raft-log-gc-threshold = 100" in cm["data"][CONFIG_FILE]
    assert await pod_uids(h) == uids
    await eventually(lambda: has_events(h, EVENT_HOT_RELOADED, 3))


async def test_a_config_change_under_restart_rolls_the_pods_apart_by_min_ready_seconds(
    h: Harness,
) -> None:
    await create(h, config=HOT_CONFIG, min_ready_seconds=4)
    uids = await pod_uids(h)

    async def rolled() -> bool:
        now = await pod_uids(h)
        return len(now) == 3 and not set(now.values()) & set(uids.values()) and await synced(h)

    async with pod_deletions(h) as deleted:
        await patch_template(h, {"spec": {"config": HOT_CONFIG.replace("50", "100")}})
        await eventually(rolled, 180)
    assert not [e for e in h.pd.events if e.kind == "tikv-config-set"]
    times = [t for t, _ in deleted]
    assert sorted(uid for _, uid in deleted) == sorted(uids.values())
    # The next Pod goes only once the one before is back and has been Ready 4 s (less up to
    # a second: condition times are whole seconds).
    assert all(b - a >= 3 for a, b in itertools.pairwise(times)), times
