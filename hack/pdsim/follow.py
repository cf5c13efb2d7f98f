"""Follow a Kubernetes namespace: Running PD Pods are members, Running TiKV Pods are stores.

The simulator stands in for the PD that would run inside those Pods (kwok runs no
containers): a PD Pod that becomes Running joins as a member named after the Pod, a TiKV
Pod that becomes Running registers its advertise address and heartbeats, and a Pod that
stops running or is deleted stops answering (unhealthy member, silent store). Members are
never removed here: removing them is the operator's job, as with real PD.

Which Pods those are, and the member name and store address each process would report,
depends on the operator that made them: a `Flavour` (ours by default; tidb-operator v2's
in `hack.pdsim.v2`, for the side-by-side bench).

A PD Pod's data directory is its data PVC, known by uid: a Pod that comes back on a new PVC
is a wiped member, which PD refuses until the old member is deleted (see
`PDCluster.add_member`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hack.pdsim.model import PDCluster, SimError

log = logging.getLogger("pdsim.follow")

COMPONENT = "app.kubernetes.io/component"
MANAGED_BY = "app.kubernetes.io/managed-by"
CLUSTER = "tikv.org/cluster"
GROUP = "tikv.org/group"
DATA_VOLUME = "data"


@dataclass(frozen=True)
class PodView:
    """What the follower needs to know about one Pod."""

    name: str
    namespace: str
    labels: dict[str, str]
    running: bool
    version: str = ""
    """The tag of the Pod's first container image: what the process would report."""
    claim: str = ""
    """The PVC of its `data` volume, if any."""
    data: str = ""
    """That PVC's uid, once looked up: which data directory the process runs on."""
    subdomain: str = ""
    """The Pod's `spec.subdomain`: the headless Service its DNS name is under, if set."""


@dataclass(frozen=True)
class PDMemberSpec:
    name: str
    peer_urls: list[str]
    client_urls: list[str]


@dataclass(frozen=True)
class TiKVStoreSpec:
    address: str
    status_address: str


def label_selector(cluster: str | None) -> str:
    selector = f"{MANAGED_BY}=tikv-operator,{COMPONENT} in (pd,tikv)"
    return selector + (f",{CLUSTER}={cluster}" if cluster else "")


def role_of(pod: PodView) -> PDMemberSpec | TiKVStoreSpec | None:
    """The PD member or TiKV store a Pod stands for, from its labels and DNS names."""
    group = pod.labels.get(GROUP, "")
    component = pod.labels.get(COMPONENT)
    if component == "pd":
        host = f"{pod.name}.{group}-pd-peer.{pod.namespace}"
        return PDMemberSpec(pod.name, [f"http://{host}:2380"], [f"http://{host}:2379"])
    if component == "tikv":
        host = f"{pod.name}.{group}-tikv-peer.{pod.namespace}"
        return TiKVStoreSpec(f"{host}:20160", f"{host}:20180")
    return None


@dataclass(frozen=True)
class Flavour:
    """Whose Pods the follower reads: their label selector (for a cluster name, or all) and
    what each Pod stands for."""

    selector: Callable[[str | None], str]
    role_of: Callable[[PodView], PDMemberSpec | TiKVStoreSpec | None]
    component_label: str = COMPONENT


TIKV_OPERATOR = Flavour(label_selector, role_of)


def apply(
    cluster: PDCluster, pod: PodView, present: bool, flavour: Flavour = TIKV_OPERATOR
) -> None:
    """Reflect one Pod's state (or its deletion, `present=False`) in the simulated cluster."""
    role = flavour.role_of(pod)
    alive = present and pod.running
    if isinstance(role, PDMemberSpec):
        if alive:
            try:
                cluster.add_member(
                    role.name, role.peer_urls, role.client_urls, pod.version, pod.data
                )
            except SimError as err:
                # pd-server exits; the simulator's event log says why.
                log.info("PD member %s refused: %s", role.name, err.message)
        else:
            cluster.set_member_health(role.name, False)
    elif isinstance(role, TiKVStoreSpec):
        if alive:
            cluster.put_store(role.address, role.status_address, pod.version)
        else:
            cluster.stop_heartbeat(role.address)


def view(pod: Any) -> PodView:
    """A PodView of a kubernetes_asyncio V1Pod; a Pod being deleted no longer counts."""
    meta, status = pod.metadata, pod.status
    # A Running Pod whose Ready went False (its node stopped reporting, a probe failing)
    # stands for a process that no longer answers.
    running = (
        status is not None
        and status.phase == "Running"
        and not meta.deletion_timestamp
        and not any(c.type == "Ready" and c.status == "False" for c in status.conditions or ())
    )
    containers = pod.spec.containers if pod.spec is not None else []
    volumes = (pod.spec.volumes if pod.spec is not None else None) or []
    claims = [
        v.persistent_volume_claim.claim_name
        for v in volumes
        if v.name == DATA_VOLUME and v.persistent_volume_claim is not None
    ]
    return PodView(
        meta.name,
        meta.namespace,
        dict(meta.labels or {}),
        running,
        image_tag(containers),
        claims[0] if claims else "",
        subdomain=(pod.spec.subdomain or "") if pod.spec is not None else "",
    )


def image_tag(containers: list[Any]) -> str:
    """The version a component would report: its image's tag (`pingcap/tikv:v8.5.1`)."""
    if not containers:
        return ""
    image = str(containers[0].image or "").split("@")[0]
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else ""


async def with_data(core: Any, pod: PodView, flavour: Flavour = TIKV_OPERATOR) -> PodView:
    """`pod` with the uid of its data PVC, for a running PD Pod (what its process would find
    on disk); unchanged when there is none to look up."""
    from kubernetes_asyncio.client.exceptions import ApiException

    if not (pod.running and pod.claim and pod.labels.get(flavour.component_label) == "pd"):
        return pod
    try:
        pvc = await core.read_namespaced_persistent_volume_claim(pod.claim, pod.namespace)
    except ApiException as err:
        if err.status != 404:
            raise
        return pod
    return dataclasses.replace(pod, data=str(pvc.metadata.uid))


async def follow(
    cluster: PDCluster,
    namespace: str,
    kubeconfig: str | None,
    cluster_name: str | None,
    flavour: Flavour = TIKV_OPERATOR,
) -> None:
    """List and watch the namespace's PD and TiKV Pods until cancelled."""
    import aiohttp
    from kubernetes_asyncio import client, config, watch
    from kubernetes_asyncio.client.exceptions import ApiException

    configuration = client.Configuration()
    await config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    selector = flavour.selector(cluster_name)
    known: dict[str, PodView] = {}
    async with client.ApiClient(configuration) as api:
        core = client.CoreV1Api(api)
        while True:
            try:
                listed = await core.list_namespaced_pod(namespace, label_selector=selector)
                current = {
                    p.metadata.name: await with_data(core, view(p), flavour) for p in listed.items
                }
                for name in set(known) - set(current):
                    apply(cluster, known.pop(name), False, flavour)
                for name, pod in current.items():
                    known[name] = pod
                    apply(cluster, pod, True, flavour)
                async with watch.Watch().stream(
                    core.list_namespaced_pod,
                    namespace,
                    label_selector=selector,
                    resource_version=listed.metadata.resource_version,
                    timeout_seconds=300,
                ) as stream:
                    async for event in stream:
                        if event["type"] not in ("ADDED", "MODIFIED", "DELETED"):
                            continue
                        pod = await with_data(core, view(event["object"]), flavour)
                        present = event["type"] != "DELETED"
                        if present:
                            known[pod.name] = pod
                        else:
                            known.pop(pod.name, None)
                        apply(cluster, pod, present, flavour)
            except asyncio.CancelledError:
                raise
            except (ApiException, aiohttp.ClientError, OSError, ValueError) as err:
                # 410 Gone and dropped connections alike: list again from scratch.
                log.warning("pod watch failed, listing again: %s", err)
                await asyncio.sleep(1.0)
