"""The TiKVGroup and TiKV controllers, in-process, against the real control plane (kwok runs
the Pods) and the PD simulator following the namespace's TiKV Pods as stores.

No Cluster controller runs here: the tests record the PD URL and cluster id in Cluster status
themselves, as it would. The simulator's schedulers tick from the test, so a test can hold a
store in Offline (ticks paused) to act in the middle of a removal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio.client import ApiClient

from apis import TiKV, TiKVGroup
from apis import conditions as cond
from apis.labels import GROUP, INSTANCE_REVISION_HASH
from controllers.common.conditions import find, is_true
from controllers.common.deps import ControllerSettings, Deps
from controllers.common.revision import revision_hash
from controllers.common.stores import advertise_address
from controllers.tikv import controller as tikv_controller
from controllers.tikv import reasons as tikv_reasons
from controllers.tikvgroup import controller as group_controller
from controllers.tikvgroup import reasons as group_reasons
from hack.localcluster import LocalCluster
from hack.pdsim.clock import ScaledClock
from hack.pdsim.follow import follow
from hack.pdsim.model import PDCluster, StoreState
from tests.integration.revisions import (
    controller_revisions,
    first_revision,
    one_rollout,
    revision_states,
)
from tests.pd_fixtures import running_simulator
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError, Client
from tikv_operator.kube.manager import Manager, ManagerOptions
from tikv_operator.kube.resources import cache_selector
from tikv_operator.pdapi.poller import Pollers

pytestmark = pytest.mark.integration

CLUSTER = "basic"
GROUP_NAME = "basic"
RESYNC = 1.0
PD_MEMBER = "basic-pd-0"


@dataclass
class PodDeletion:
    pod: str
    address: str
    store_state: StoreState | None
    """State of the store at the Pod's address when the Pod's deletion was first seen."""


@dataclass
class Harness:
    client: Client
    namespace: str
    pd: PDCluster
    ticking: asyncio.Event
    deletions: list[PodDeletion] = field(default_factory=list)

    async def tikvs(self) -> list[TiKV]:
        listed = await self.client.list(resources.TIKV, self.namespace)
        return sorted(
            (TiKV.model_validate(i) for i in listed.items), key=lambda t: str(t.metadata.name)
        )

    async def group(self) -> TiKVGroup:
        return TiKVGroup.model_validate(
            await self.client.get(resources.TIKVGROUP, GROUP_NAME, self.namespace)
        )

    async def scale(self, replicas: int) -> None:
        patch = {"spec": {"replicas": replicas}}
        await self.client.patch(resources.TIKVGROUP, GROUP_NAME, patch, self.namespace)

    def live_stores(self) -> list[str]:
        return sorted(s.address for s in self.pd.stores.values() if s.state == StoreState.UP)

    def store_at(self, address: str) -> StoreState | None:
        at = [s for s in self.pd.stores.values() if s.address == address]
        return max(at, key=lambda s: s.id).state if at else None

    async def settled(self, replicas: int) -> bool:
        group = await self.group()
        tikvs = await self.tikvs()
        return (
            group.status.observed_generation == group.metadata.generation
            and group.status.ready_replicas == replicas
            and group.status.replicas == replicas
            and is_true(group.status.conditions, cond.READY)
            and len(tikvs) == replicas
            and all(is_true(t.status.conditions, cond.READY) for t in tikvs)
            and len(self.live_stores()) == replicas
        )

    def events(self, *kinds: str) -> list[tuple[str, str]]:
        return [(e.kind, e.subject) for e in self.pd.events if e.kind in kinds]

    async def deletions_of(self, pods: set[str]) -> dict[str, PodDeletion]:
        """The recorded deletions of `pods`, once the Pod watcher saw them all: the group
        can be settled before the watcher's next list sees the last Pod go."""

        async def seen() -> bool:
            return pods <= {d.pod for d in self.deletions}

        await eventually(seen, 10)
        return {d.pod: d for d in self.deletions if d.pod in pods}

    async def k8s_events(self, reason: str) -> list[dict[str, Any]]:
        listed = await self.client.list(resources.EVENT, self.namespace)
        return [e for e in listed.items if e.get("reason") == reason]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.5)
    pytest.fail(f"not reached within {seconds:g} s")


async def tick(pd: PDCluster, ticking: asyncio.Event) -> None:
    while True:
        await ticking.wait()
        pd.tick()
        await asyncio.sleep(0.1)


async def watch_pod_deletions(h: Harness, subdomain: str) -> None:
    """Record, for every TiKV Pod whose deletion begins, what PD said of its store then."""
    known: set[str] = set()
    seen: set[str] = set()
    while True:
        try:
            listed = await h.client.list(resources.POD, h.namespace)
        except (ApiError, OSError, TimeoutError, aiohttp.ClientError):
            # A slow or failed list on a loaded machine must not end the watch: every later
            # deletion would then go unrecorded. The next list catches up (`known`).
            await asyncio.sleep(0.1)
            continue
        pods = {p["metadata"]["name"]: p for p in listed.items}
        going = {n for n, p in pods.items() if p["metadata"].get("deletionTimestamp")}
        for name in sorted((going | (known - set(pods))) - seen):
            address = f"{name}.{subdomain}.{h.namespace}:20160"
            h.deletions.append(PodDeletion(name, address, h.store_at(address)))
            seen.add(name)
        known = set(pods)
        await asyncio.sleep(0.1)


@pytest.fixture
async def harness(
    control_plane: LocalCluster, crds: Any, api_client: ApiClient, namespace: str
) -> AsyncIterator[Harness]:
    async with running_simulator(ScaledClock(), tick_interval=0) as sim:
        client = Client(api_client)
        options = ManagerOptions(
            namespaces=[namespace],
            leader_election=False,
            metrics_address="127.0.0.1:0",
            probe_address="127.0.0.1:0",
            graceful_shutdown_timeout=5.0,
        )
        manager = Manager(client, options)
        wanted = {*tikv_controller.INFORMERS, *group_controller.INFORMERS}
        caches = {
            kind: manager.informer(kind, label_selector=cache_selector(kind)).store
            for kind in wanted
        }
        caches[resources.NODE] = manager.informer(resources.NODE).store
        deps = Deps(
            client,
            manager.events,
            caches,
            Pollers(interval=RESYNC, timeout=3.0),
            settings=ControllerSettings(
                resync=RESYNC,
                # The stores' DNS names do not resolve here: their status API is the
                # simulator's, under each store's status address.
                tikv_status_url_overrides={f"{namespace}/{CLUSTER}": f"{sim.url}/tikv"},
            ),
        )
        tikv_controller.setup(manager, deps)
        group_controller.setup(manager, deps)
        # The Cluster controller, which would start the cluster's PD view, does not run here.
        await deps.pd.ensure(f"{namespace}/{CLUSTER}", sim.url)
        # The PD member the Cluster's PD Service would reach (no PD Pods run here).
        sim.cluster.add_member(PD_MEMBER, ["http://pd:2380"], ["http://pd:2379"])
        ticking = asyncio.Event()
        ticking.set()
        h = Harness(client, namespace, sim.cluster, ticking)
        background = [
            asyncio.create_task(manager.run()),
            asyncio.create_task(
                follow(sim.cluster, namespace, str(control_plane.kubeconfig), CLUSTER)
            ),
            asyncio.create_task(tick(sim.cluster, ticking)),
            asyncio.create_task(watch_pod_deletions(h, f"{GROUP_NAME}-tikv-peer")),
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
    for kind in (resources.TIKV, resources.TIKVGROUP):
        for item in (await client.list(kind, namespace)).items:
            patch = {"metadata": {"finalizers": None}}
            await client.patch(kind, item["metadata"]["name"], patch, namespace)


async def create_cluster(
    h: Harness,
    replicas: int,
    evict_leader_timeout: str = "5m",
    history_limit: int = 10,
    *,
    group_spec: dict[str, Any] | None = None,
    template_spec: dict[str, Any] | None = None,
) -> None:
    """The Cluster and its TiKVGroup; `group_spec` and `template_spec` add to the group's
    spec and template spec."""
    cluster = await h.client.create(
        resources.CLUSTER,
        {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": CLUSTER, "namespace": h.namespace},
            "spec": {"pvcRetentionPolicy": "Retain", "revisionHistoryLimit": history_limit},
        },
    )
    # What the Cluster controller records at first contact with PD.
    status = {"status": {"pd": f"http://basic-pd.{h.namespace}:2379", "id": str(h.pd.cluster_id)}}
    await h.client.patch_status(resources.CLUSTER, cluster["metadata"]["name"], status, h.namespace)
    await h.client.create(
        resources.TIKVGROUP,
        {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": "TiKVGroup",
            "metadata": {"name": GROUP_NAME, "namespace": h.namespace},
            "spec": {
                "cluster": {"name": CLUSTER},
                "replicas": replicas,
                "template": {
                    "spec": {
                        "version": "v8.5.1",
                        "evictLeaderTimeout": evict_leader_timeout,
                        "volumes": [
                            {"name": "data", "mounts": [{"type": "data"}], "storage": "1Gi"}
                        ],
                        **(template_spec or {}),
                    }
                },
                **(group_spec or {}),
            },
        },
    )


async def bootstrapped(
    h: Harness, replicas: int = 3, evict_leader_timeout: str = "5m", history_limit: int = 10
) -> list[TiKV]:
    await create_cluster(h, replicas, evict_leader_timeout, history_limit)
    await eventually(lambda: h.settled(replicas))
    return await h.tikvs()


async def test_a_new_group_brings_up_one_store_per_instance(harness: Harness) -> None:
    tikvs = await bootstrapped(harness)

    addresses = sorted(advertise_address(t) for t in tikvs)
    assert harness.live_stores() == addresses
    for tikv in tikvs:
        assert tikv.metadata.owner_references[0].kind == "TiKVGroup"
        assert tikv.metadata.labels[GROUP] == GROUP_NAME
        assert tikv.status.state_name == "Up"
        assert tikv.status.id is not None
        pod = await harness.client.get(resources.POD, str(tikv.metadata.name), harness.namespace)
        assert pod["metadata"]["ownerReferences"][0]["uid"] == tikv.metadata.uid
        assert pod["spec"]["subdomain"] == f"{GROUP_NAME}-tikv-peer"
    service = await harness.client.get(
        resources.SERVICE, f"{GROUP_NAME}-tikv-peer", harness.namespace
    )
    assert service["spec"]["clusterIP"] == "None"
    group = await harness.group()
    assert group.status.selector is not None and f"{GROUP}={GROUP_NAME}" in group.status.selector


async def test_scale_in_removes_a_pod_only_after_its_store_is_tombstone(
    harness: Harness,
) -> None:
    initial = {str(t.metadata.name) for t in await bootstrapped(harness)}
    await harness.scale(5)
    await eventually(lambda: harness.settled(5))
    grown = {str(t.metadata.name) for t in await harness.tikvs()}

    await harness.scale(3)
    await eventually(lambda: harness.settled(3))

    remaining = {str(t.metadata.name) for t in await harness.tikvs()}
    removed = grown - remaining
    assert len(removed) == 2 and remaining <= grown
    assert initial <= grown
    deleted = await harness.deletions_of(removed)
    for name in removed:
        # The Pod's deletion began only once PD had made its store Tombstone.
        assert deleted[name].store_state == StoreState.TOMBSTONE, deleted[name]
        # Retain: the PVC outlives its instance, released from the garbage collector.
        pvc = await harness.client.get(resources.PVC, f"data-{name}", harness.namespace)
        assert not pvc["metadata"].get("ownerReferences")
    tombstoned = {s for _, s in harness.events("store-tombstone")}
    stopped = {s for _, s in harness.events("store-stopped")}
    removed_addresses = {d.address for n, d in deleted.items() if n in removed}
    assert removed_addresses <= tombstoned
    # A store that lost its Pod before Tombstone would have been reported stopped.
    assert not removed_addresses & stopped


async def test_a_scale_in_reverted_halfway_cancels_the_offline(harness: Harness) -> None:
    # Schedulers stop: neither leaders nor regions move, so the leaving store stays Offline
    # (its leader eviction ends by timeout).
    await bootstrapped(harness, replicas=4, evict_leader_timeout="1s")
    harness.ticking.clear()
    await harness.scale(3)

    async def one_offline() -> bool:
        offline = [t for t in await harness.tikvs() if t.spec.offline]
        return len(offline) == 1 and harness.store_at(advertise_address(offline[0])) == (
            StoreState.OFFLINE
        )

    await eventually(one_offline)
    (leaving,) = [t for t in await harness.tikvs() if t.spec.offline]
    address = advertise_address(leaving)

    await harness.scale(4)

    async def revived() -> bool:
        tikv = TiKV.model_validate(
            await harness.client.get(resources.TIKV, str(leaving.metadata.name), harness.namespace)
        )
        return not tikv.spec.offline and harness.store_at(address) == StoreState.UP

    await eventually(revived)
    harness.ticking.set()
    await eventually(lambda: harness.settled(4))
    assert ("store-up", address) in harness.events("store-up")
    assert address not in {s for _, s in harness.events("store-tombstone")}
    assert str(leaving.metadata.name) in {str(t.metadata.name) for t in await harness.tikvs()}


async def test_a_scale_in_below_max_replicas_is_refused(harness: Harness) -> None:
    await bootstrapped(harness, replicas=3)
    await harness.scale(2)

    async def blocked() -> bool:
        group = await harness.group()
        c = find(group.status.conditions, cond.BLOCKED)
        return c is not None and c.status == "True" and c.reason == group_reasons.MAX_REPLICAS

    await eventually(blocked)
    group = await harness.group()
    message = find(group.status.conditions, cond.BLOCKED).message  # type: ignore[union-attr]
    assert "max-replicas 3" in message
    await eventually(lambda: _has_event(harness, group_reasons.EVENT_SCALE_IN_REFUSED))
    await asyncio.sleep(3 * RESYNC)
    assert not [t for t in await harness.tikvs() if t.spec.offline]
    assert harness.events("store-offline") == []
    assert len(harness.live_stores()) == 3


async def test_pd_refusing_a_removal_blocks_the_group_in_pd_s_words(harness: Harness) -> None:
    # Max-replicas goes up in PD after the operator checked it (rule 2) and before it asks PD
    # to remove the store: PD's own refusal is what the group reports.
    await bootstrapped(harness, replicas=4, evict_leader_timeout="1h")
    await eventually(lambda: _every_store_leads(harness))
    harness.ticking.clear()  # leaders stay where they are: the eviction waits
    await harness.scale(3)

    async def evicting() -> bool:
        leaving = [t for t in await harness.tikvs() if t.spec.offline]
        c = find(leaving[0].status.conditions, cond.LEADERS_EVICTED) if leaving else None
        return c is not None and c.reason == cond.EVICTING_LEADERS

    await eventually(evicting)
    (leaving,) = [t for t in await harness.tikvs() if t.spec.offline]
    harness.pd.set_config({"replication.max-replicas": 4})
    harness.ticking.set()

    async def blocked() -> bool:
        c = find((await harness.group()).status.conditions, cond.BLOCKED)
        return c is not None and c.status == "True" and c.reason == "StoresNotEnough"

    await eventually(blocked)
    c = find((await harness.group()).status.conditions, cond.BLOCKED)
    assert c is not None and c.message.startswith(f"{leaving.metadata.name}: PD refuses")
    assert "[PD:core:ErrStoresNotEnough]" in c.message, c.message
    await eventually(lambda: _has_event(harness, group_reasons.EVENT_SCALE_IN_REFUSED))
    assert harness.store_at(advertise_address(leaving)) == StoreState.UP
    assert harness.events("store-offline") == []

    await harness.scale(4)  # the way out the message names: keep the store
    await eventually(lambda: harness.settled(4))
    c = find((await harness.group()).status.conditions, cond.BLOCKED)
    assert c is not None and c.status == "False"


async def _every_store_leads(h: Harness) -> bool:
    return len(h.pd.stores) == 4 and all(s.leader_count for s in h.pd.stores.values())


async def _has_event(h: Harness, reason: str) -> bool:
    return bool(await h.k8s_events(reason))


async def test_deleting_an_instance_keeps_its_pod_until_the_store_is_tombstone(
    harness: Harness,
) -> None:
    tikvs = await bootstrapped(harness, replicas=3)
    victim = tikvs[0]
    name = str(victim.metadata.name)
    # With three stores and max-replicas 3, PD refuses to offline the store until the
    # group's replacement instance is Up; the Pod must stay all that time.
    await harness.client.delete(resources.TIKV, name, harness.namespace)

    async def refused_or_replaced() -> bool:
        tikv = await harness.client.get_or_none(resources.TIKV, name, harness.namespace)
        if tikv is None:
            return True
        c = find(TiKV.model_validate(tikv).status.conditions, cond.OFFLINED)
        return c is not None and c.reason in (
            tikv_reasons.STORES_NOT_ENOUGH,
            tikv_reasons.OFFLINING,
            tikv_reasons.TOMBSTONE,
        )

    await eventually(refused_or_replaced)
    await eventually(lambda: harness.settled(3))
    assert await harness.client.get_or_none(resources.TIKV, name, harness.namespace) is None
    deletion = (await harness.deletions_of({name}))[name]
    assert deletion.store_state == StoreState.TOMBSTONE
    assert deletion.address in {s for _, s in harness.events("store-tombstone")}
    assert deletion.address not in {s for _, s in harness.events("store-stopped")}


async def _annotate_template(h: Harness, annotations: dict[str, str]) -> dict[str, Any]:
    """Add annotations to the group's template (no instance restarts for that); the
    template as the group controller reads it afterwards."""
    template = (await h.group()).spec.template.model_copy(deep=True)
    template.metadata.annotations.update(annotations)
    patch = {"spec": {"template": {"metadata": {"annotations": annotations}}}}
    await h.client.patch(resources.TIKVGROUP, GROUP_NAME, patch, h.namespace)
    return template.model_dump(mode="json", by_alias=True)


async def _rolled_out_to(h: Harness, revision: str | None) -> bool:
    group = await h.group()
    return (
        group.status.update_revision == revision
        and group.status.current_revision == revision
        and await h.settled(3)
        and all(t.metadata.labels[INSTANCE_REVISION_HASH] == revision for t in await h.tikvs())
    )


async def test_a_template_change_adds_a_revision_and_current_follows_the_rollout(
    harness: Harness,
) -> None:
    await bootstrapped(harness, evict_leader_timeout="1s")
    group = await harness.group()
    assert group.status.version == "v8.5.1"
    first = await first_revision(harness.client, group)

    async with revision_states(
        harness.client, resources.TIKVGROUP, GROUP_NAME, harness.namespace
    ) as states:
        # TiKV moves to a version only once PD itself runs it (every member, by PD's view).
        for member in harness.pd.members:
            member.version = "v8.5.2"
        patch = {"spec": {"template": {"spec": {"version": "v8.5.2"}}}}
        await harness.client.patch(resources.TIKVGROUP, GROUP_NAME, patch, harness.namespace)

        async def rolled_out() -> bool:
            return states[-1][0] != first and await _rolled_out_to(harness, states[-1][0])

        await eventually(rolled_out, seconds=180)

    await one_rollout(harness.client, group, states, "v8.5.2")


async def test_history_is_pruned_to_the_limit_and_a_rollback_renumbers_its_revision(
    harness: Harness,
) -> None:
    await bootstrapped(harness, history_limit=1)
    first = str((await harness.group()).status.update_revision)
    one = revision_hash(await _annotate_template(harness, {"note": "one"}))
    await eventually(lambda: _rolled_out_to(harness, one))
    two = revision_hash(await _annotate_template(harness, {"note": "two"}))
    await eventually(lambda: _rolled_out_to(harness, two))

    # Back to "one": its revision is reused under the next number, not copied.
    assert revision_hash(await _annotate_template(harness, {"note": "one"})) == one
    await eventually(lambda: _rolled_out_to(harness, one))

    async def pruned() -> bool:
        # The update revision (which every instance runs) and one older one.
        return await controller_revisions(harness.client, harness.namespace) == [
            (f"{GROUP_NAME}-{two}", 3),
            (f"{GROUP_NAME}-{one}", 4),
        ]

    await eventually(pruned, seconds=30)
    assert f"{GROUP_NAME}-{first}" not in dict(
        await controller_revisions(harness.client, harness.namespace)
    )


async def test_a_revision_name_taken_by_another_template_raises_the_collision_count(
    harness: Harness,
) -> None:
    await bootstrapped(harness)
    template = (await harness.group()).spec.template.model_copy(deep=True)
    template.metadata.annotations["note"] = "collide"
    wanted = template.model_dump(mode="json", by_alias=True)
    taken = f"{GROUP_NAME}-{revision_hash(wanted, 0)}"
    # Not the group's, and not in the operator's cache (no managed-by label).
    squatter = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": taken, "namespace": harness.namespace},
        "data": {"something": "else"},
        "revision": 1,
    }
    await harness.client.create(resources.CONTROLLERREVISION, squatter)

    assert await _annotate_template(harness, {"note": "collide"}) == wanted
    resolved = revision_hash(wanted, 1)
    await eventually(lambda: _rolled_out_to(harness, resolved))

    group = await harness.group()
    assert group.status.collision_count == 1
    mine = await harness.client.get(
        resources.CONTROLLERREVISION, f"{GROUP_NAME}-{resolved}", harness.namespace
    )
    assert mine["data"] == wanted and mine["revision"] == 2
    untouched = await harness.client.get(resources.CONTROLLERREVISION, taken, harness.namespace)
    assert untouched["data"] == {"something": "else"}
