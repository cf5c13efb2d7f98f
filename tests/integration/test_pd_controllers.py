"""The PDGroup and PD controllers, in-process, against the real control plane (kwok runs the
Pods) and the PD simulator following the namespace's PD Pods as members."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio.client import ApiClient

from apis import PD, PDGroup
from apis import conditions as cond
from apis.labels import GROUP, INSTANCE_REVISION_HASH, PD_INITIAL_CLUSTER
from controllers.common.conditions import find
from controllers.common.deps import ControllerSettings, Deps
from controllers.pd import controller as pd_controller
from controllers.pd.build import CONFIG_FILE
from controllers.pdgroup import controller as group_controller
from controllers.pdgroup import reasons as group_reasons
from hack.localcluster import LocalCluster
from hack.pdsim.follow import follow
from hack.pdsim.model import PDCluster
from tests.integration.revisions import first_revision, one_rollout, revision_states
from tests.pd_fixtures import SimulatorHandle, live_simulator
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError, Client
from tikv_operator.kube.manager import Manager, ManagerOptions
from tikv_operator.kube.resources import cache_selector
from tikv_operator.pdapi.poller import Pollers

__all__ = ["live_simulator"]

pytestmark = pytest.mark.integration

CLUSTER = "basic"
RESYNC = 1.0


@dataclass
class Harness:
    client: Client
    namespace: str
    pd: PDCluster
    samples: list[list[PD]] = field(default_factory=list)

    async def pds(self) -> list[PD]:
        listed = await self.client.list(resources.PD, self.namespace)
        return [PD.model_validate(item) for item in listed.items]

    async def group(self) -> PDGroup:
        return PDGroup.model_validate(
            await self.client.get(resources.PDGROUP, CLUSTER, self.namespace)
        )

    async def scale(self, replicas: int) -> None:
        patch = {"spec": {"replicas": replicas}}
        await self.client.patch(resources.PDGROUP, CLUSTER, patch, self.namespace)

    async def settled(self, replicas: int) -> bool:
        group = await self.group()
        ready = find(group.status.conditions, cond.READY)
        return (
            group.status.observed_generation == group.metadata.generation
            and group.status.ready_replicas == replicas
            and group.status.replicas == replicas
            and ready is not None
            and ready.status == "True"
            and len(self.pd.members) == replicas
            and self.pd.leader is not None
        )

    async def configmap(self, name: str) -> str:
        cm = await self.client.get(resources.CONFIGMAP, name, self.namespace)
        return str(cm["data"][CONFIG_FILE])

    def member_events(self) -> list[tuple[str, str]]:
        kinds = ("member-joined", "member-removed", "leader-changed", "member-unhealthy")
        return [(e.kind, e.subject) for e in self.pd.events if e.kind in kinds]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.5)
    pytest.fail(f"not reached within {seconds:g} s")


async def sample_instances(harness: Harness) -> None:
    while True:
        # A failed list on a loaded machine skips one sample instead of ending the sampling.
        with contextlib.suppress(ApiError, OSError, TimeoutError, aiohttp.ClientError):
            harness.samples.append(await harness.pds())
        await asyncio.sleep(0.3)


@pytest.fixture
async def harness(
    control_plane: LocalCluster,
    crds: Any,
    api_client: ApiClient,
    namespace: str,
    live_simulator: SimulatorHandle,
) -> AsyncIterator[Harness]:
    client = Client(api_client)
    options = ManagerOptions(
        namespaces=[namespace],
        leader_election=False,
        metrics_address="127.0.0.1:0",
        probe_address="127.0.0.1:0",
        graceful_shutdown_timeout=5.0,
    )
    manager = Manager(client, options)
    wanted = {*pd_controller.INFORMERS, *group_controller.INFORMERS}
    caches = {
        kind: manager.informer(kind, label_selector=cache_selector(kind)).store for kind in wanted
    }
    deps = Deps(
        client,
        manager.events,
        caches,
        Pollers(interval=RESYNC, timeout=3.0),
        settings=ControllerSettings(workers=2, resync=RESYNC),
    )
    pd_controller.setup(manager, deps)
    group_controller.setup(manager, deps)
    # The Cluster controller, which would start the cluster's PD view, does not run here.
    await deps.pd.ensure(f"{namespace}/{CLUSTER}", live_simulator.url)
    h = Harness(client, namespace, live_simulator.cluster)
    background = [
        asyncio.create_task(manager.run()),
        asyncio.create_task(
            follow(live_simulator.cluster, namespace, str(control_plane.kubeconfig), CLUSTER)
        ),
        asyncio.create_task(sample_instances(h)),
    ]
    try:
        yield h
    finally:
        manager.stop()
        for task in background[1:]:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await deps.pd.close()
        await _remove_finalizers(client, namespace)


async def _remove_finalizers(client: Client, namespace: str) -> None:
    """Let the namespace go: nothing runs the finalizers once the controllers stopped."""
    for kind in (resources.PD, resources.PDGROUP, resources.CLUSTER):
        for item in (await client.list(kind, namespace)).items:
            patch = {"metadata": {"finalizers": None}}
            await client.patch(kind, item["metadata"]["name"], patch, namespace)
    listed = await client.request("GET", "/api/v1/persistentvolumes")
    for pv in listed.get("items") or ():
        if pv["metadata"]["name"].startswith(f"{namespace}-"):
            await client.request("DELETE", f"/api/v1/persistentvolumes/{pv['metadata']['name']}")


async def create_cluster(
    h: Harness, replicas: int, template_spec: dict[str, Any] | None = None
) -> None:
    """The Cluster and its PDGroup; `template_spec` adds to the group's template spec."""
    await h.client.create(
        resources.CLUSTER,
        {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": CLUSTER, "namespace": h.namespace},
            "spec": {},
        },
    )
    await h.client.create(
        resources.PDGROUP,
        {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": "PDGroup",
            "metadata": {"name": CLUSTER, "namespace": h.namespace},
            "spec": {
                "cluster": {"name": CLUSTER},
                "replicas": replicas,
                "template": {
                    "spec": {
                        "version": "v8.5.1",
                        "volumes": [
                            {"name": "data", "mounts": [{"type": "data"}], "storage": "1Gi"}
                        ],
                        **(template_spec or {}),
                    }
                },
            },
        },
    )


async def bootstrapped(h: Harness, replicas: int = 3) -> list[PD]:
    await create_cluster(h, replicas)
    await eventually(lambda: h.settled(replicas))
    return await h.pds()


def most_not_ready_at_once(samples: list[list[PD]], baseline: set[str]) -> int:
    """The most instances that were at once new-and-not-Ready or leaving, across samples."""
    worst = 0
    for sample in samples:
        busy = [
            p
            for p in sample
            if p.metadata.deletion_timestamp is not None
            or (
                str(p.metadata.name) not in baseline
                and find(p.status.conditions, cond.READY) is not None
                and find(p.status.conditions, cond.READY).status != "True"  # type: ignore[union-attr]
            )
            or (str(p.metadata.name) not in baseline and not p.status.conditions)
        ]
        worst = max(worst, len(busy))
    return worst


async def test_a_new_cluster_bootstraps_all_initial_members_with_initial_cluster(
    harness: Harness,
) -> None:
    pds = await bootstrapped(harness)

    names = sorted(str(p.metadata.name) for p in pds)
    assert sorted(m.name for m in harness.pd.members) == names
    for pd in pds:
        assert pd.metadata.annotations[PD_INITIAL_CLUSTER] == ",".join(names)
        assert pd.metadata.owner_references[0].kind == "PDGroup"
        assert pd.metadata.labels[GROUP] == CLUSTER
        config = await harness.configmap(str(pd.metadata.name))
        assert "join" not in config
        for name in names:
            assert f"{name}=http://{name}.basic-pd-peer.{harness.namespace}:2380" in config
    group = await harness.group()
    assert group.status.selector is not None and f"{GROUP}={CLUSTER}" in group.status.selector


async def test_scale_out_and_in_one_member_at_a_time(harness: Harness) -> None:
    initial = {str(p.metadata.name) for p in await bootstrapped(harness)}

    harness.samples.clear()
    await harness.scale(5)
    await eventually(lambda: harness.settled(5))

    assert most_not_ready_at_once(harness.samples, initial) == 1
    added = [p for p in await harness.pds() if str(p.metadata.name) not in initial]
    assert len(added) == 2
    for pd in added:
        config = await harness.configmap(str(pd.metadata.name))
        assert f'join = "http://basic-pd.{harness.namespace}:2379"' in config
        assert "initial-cluster" not in config

    harness.samples.clear()
    await harness.scale(3)
    await eventually(lambda: harness.settled(3))

    leaving_at_once = max(
        sum(p.metadata.deletion_timestamp is not None for p in s) for s in harness.samples
    )
    assert leaving_at_once == 1
    removed = [name for kind, name in harness.member_events() if kind == "member-removed"]
    assert len(removed) == 2
    assert len(harness.pd.members) == 3


async def test_the_leader_hands_over_leadership_before_it_is_removed(harness: Harness) -> None:
    await bootstrapped(harness)
    leader = harness.pd.leader
    assert leader is not None

    await harness.client.delete(resources.PD, leader.name, harness.namespace)
    await eventually(lambda: _true(("member-removed", leader.name) in harness.member_events()))

    events = harness.member_events()
    removed_at = events.index(("member-removed", leader.name))
    handed_over = [
        i
        for i, (kind, name) in enumerate(events)
        if kind == "leader-changed" and name != leader.name
    ]
    assert handed_over and handed_over[-1] < removed_at, events
    # The group replaces the removed member, so PD is back at three.
    await eventually(lambda: harness.settled(3))


async def test_member_removal_refused_when_it_would_break_quorum(harness: Harness) -> None:
    await bootstrapped(harness)
    leader = harness.pd.leader
    assert leader is not None
    followers = [m.name for m in harness.pd.members if m.name != leader.name]
    for name in followers:
        harness.pd.set_member_health(name, False)

    await harness.scale(2)

    async def blocked() -> bool:
        group = await harness.group()
        c = find(group.status.conditions, cond.BLOCKED)
        return c is not None and c.status == "True" and c.reason == group_reasons.QUORUM_AT_RISK

    await eventually(blocked)
    # Several more reconciles pass: nothing is removed meanwhile.
    await asyncio.sleep(3 * RESYNC)
    assert await blocked()
    assert not [e for e in harness.member_events() if e[0] == "member-removed"]
    assert len([p for p in await harness.pds() if p.metadata.deletion_timestamp is None]) == 3

    # Deleting a follower's instance directly is refused by the instance controller too.
    await harness.client.delete(resources.PD, followers[0], harness.namespace)
    await asyncio.sleep(3 * RESYNC)
    assert not [e for e in harness.member_events() if e[0] == "member-removed"]
    assert harness.pd.member_by_name(followers[0]) is not None
    gone = await harness.client.get_or_none(resources.PD, followers[0], harness.namespace)
    assert gone is not None, "the instance must stay (held by its finalizer)"

    # Once the members are healthy again the removal goes ahead.
    for name in followers:
        harness.pd.set_member_health(name, True)
    await eventually(lambda: _true(("member-removed", followers[0]) in harness.member_events()))


async def test_rolling_update_restarts_followers_first_and_the_leader_last(
    harness: Harness,
) -> None:
    pds = await bootstrapped(harness)
    leader = harness.pd.leader
    assert leader is not None
    followers = {str(p.metadata.name) for p in pds} - {leader.name}
    listed = await harness.client.list(resources.POD, harness.namespace, label_selector=PD_PODS)
    old_uids = {p["metadata"]["uid"] for p in listed.items}
    # A watch, not polling: with kwok a member's Pod is gone and back within a poll interval.
    pod_events: list[tuple[str, str, str, bool]] = []

    async def watch_pods() -> None:
        stream = harness.client.watch(
            resources.POD,
            harness.namespace,
            resource_version=listed.resource_version,
            label_selector=PD_PODS,
        )
        async for event in stream:
            meta = event.object["metadata"]
            going = event.type == "DELETED" or bool(meta.get("deletionTimestamp"))
            pod_events.append((event.type, meta["name"], meta["uid"], going))

    watcher = asyncio.create_task(watch_pods())
    before = len(harness.pd.events)
    try:
        patch = {"spec": {"template": {"spec": {"version": "v8.5.2"}}}}
        await harness.client.patch(resources.PDGROUP, CLUSTER, patch, harness.namespace)
        await eventually(lambda: updated(harness, "v8.5.2"))
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher

    live = set(old_uids)
    fewest_live = len(live)
    recreated: list[str] = []
    for _, name, uid, going in pod_events:
        if going:
            live.discard(uid)
        elif uid not in live and uid not in old_uids:
            live.add(uid)
            recreated.append(name)
        fewest_live = min(fewest_live, len(live))
    # One Pod at a time, followers first, the (old) leader last.
    assert fewest_live == 2, pod_events
    assert set(recreated[:2]) == followers and recreated[2:] == [leader.name], recreated
    assert not {p["metadata"]["uid"] for p in await pd_pods(harness)} & old_uids

    # In PD: each member went down and came back before the next one went, and leadership
    # left the old leader before its Pod was deleted (the simulator would otherwise record
    # leader-changed to "" right after the leader's member-unhealthy).
    events = [
        (e.kind, e.subject)
        for e in harness.pd.events[before:]
        if e.kind in ("member-unhealthy", "member-healthy", "leader-changed")
    ]
    restarts = [(k, n) for k, n in events if k != "leader-changed"]
    assert [k for k, _ in restarts] == ["member-unhealthy", "member-healthy"] * 3, events
    assert [n for _, n in restarts][4:] == [leader.name, leader.name], events
    leader_down = events.index(("member-unhealthy", leader.name))
    handovers = [n for k, n in events[:leader_down] if k == "leader-changed"]
    assert handovers and handovers[-1] in followers, events
    assert ("leader-changed", "") not in events, events
    assert not [e for e in harness.member_events()[before:] if e[0] == "member-removed"]


async def test_a_template_change_adds_a_revision_and_current_follows_the_rollout(
    harness: Harness,
) -> None:
    await bootstrapped(harness)
    await eventually(lambda: _reports_version(harness, "v8.5.1"))
    group = await harness.group()
    await first_revision(harness.client, group)

    async with revision_states(
        harness.client, resources.PDGROUP, CLUSTER, harness.namespace
    ) as states:
        patch = {"spec": {"template": {"spec": {"version": "v8.5.2"}}}}
        await harness.client.patch(resources.PDGROUP, CLUSTER, patch, harness.namespace)
        await eventually(lambda: updated(harness, "v8.5.2"))
        await eventually(lambda: _reports_version(harness, "v8.5.2"), seconds=30)

    # TiKV waits for PD's version: it moved only once every member ran the new revision.
    second = await one_rollout(harness.client, group, states, "v8.5.2")
    assert {p.metadata.labels[INSTANCE_REVISION_HASH] for p in await harness.pds()} == {second}


async def _reports_version(h: Harness, version: str) -> bool:
    return (await h.group()).status.version == version


async def test_deleting_the_group_with_its_cluster_deletes_every_instance_at_once(
    harness: Harness,
) -> None:
    pds = await bootstrapped(harness)
    names = sorted(str(p.metadata.name) for p in pds)
    # Hold the Cluster and the instances with a finalizer of the test's own, so that "being
    # deleted" lasts and every instance marked for deletion stays visible.
    for kind, name in [(resources.CLUSTER, CLUSTER)] + [(resources.PD, n) for n in names]:
        obj = await harness.client.get(kind, name, harness.namespace)
        held = [*obj["metadata"].get("finalizers", []), HOLD]
        patch = {
            "metadata": {"finalizers": held, "resourceVersion": obj["metadata"]["resourceVersion"]}
        }
        await harness.client.patch(kind, name, patch, harness.namespace)
    await harness.client.delete(resources.CLUSTER, CLUSTER, harness.namespace)
    await harness.client.delete(resources.PDGROUP, CLUSTER, harness.namespace)

    async def all_deleting() -> bool:
        pds = await harness.pds()
        return len(pds) == 3 and all(p.metadata.deletion_timestamp is not None for p in pds)

    # A scale-in would mark one instance and wait for it to be gone, which the hold prevents.
    await eventually(all_deleting, 30)

    async def pods_gone() -> bool:
        return await pd_pods(harness) == []

    await eventually(pods_gone, 60)
    for name in names:
        obj = await harness.client.get(resources.PD, name, harness.namespace)
        assert obj["metadata"]["finalizers"] == [HOLD], "the instance finished its deletion"
        patch = {"metadata": {"finalizers": None}}
        await harness.client.patch(resources.PD, name, patch, harness.namespace)

    async def group_gone() -> bool:
        group = await harness.client.get_or_none(resources.PDGROUP, CLUSTER, harness.namespace)
        return group is None and await harness.pds() == []

    await eventually(group_gone, 60)
    # The whole cluster goes: no member left PD one by one, and the PVCs are retained.
    assert not [e for e in harness.member_events() if e[0] == "member-removed"]
    pvcs = (await harness.client.list(resources.PVC, harness.namespace)).items
    assert len([p for p in pvcs if not p["metadata"].get("deletionTimestamp")]) == 3


HOLD = "test.tikv.org/hold"


PD_PODS = "app.kubernetes.io/component=pd"


async def pd_pods(h: Harness) -> list[dict[str, Any]]:
    return (await h.client.list(resources.POD, h.namespace, label_selector=PD_PODS)).items


async def updated(h: Harness, version: str) -> bool:
    group = await h.group()
    synced = find(group.status.conditions, cond.SYNCED)
    pds = await h.pds()
    return (
        await h.settled(3)
        and group.status.updated_replicas == 3
        and synced is not None
        and synced.status == "True"
        and all(p.spec.version == version for p in pds)
        and all(
            (c := find(p.status.conditions, cond.SYNCED)) is not None and c.status == "True"
            for p in pds
        )
    )


async def _true(value: bool) -> bool:
    return value
