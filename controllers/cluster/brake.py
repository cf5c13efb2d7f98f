"""The safety brake decision (DESIGN §5 rule 12): a pure function over what PD says and
which instances the operator manages.

The brake is for states the operator cannot resolve safely on its own; acting on them
(offlining a store, removing a member) could destroy data of a cluster that is not ours or
fight with someone else's changes. Each finding names the objects involved so that a human
can decide, and either fix the state or set the override annotation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from apis import PD, TiKV, TiKVGroup, labels
from apis.names import TIKV_PORT, tikv_address
from controllers.cluster import reasons
from controllers.cluster.pdinfo import PDInfo
from controllers.common.objects import Object
from controllers.common.updater import Hold
from tikv_operator.kube.resources import controller_owner


@dataclass(frozen=True)
class Claim:
    """What the brake needs to know of one of the cluster's PVCs."""

    name: str
    instance: str
    """Its `tikv.org/instance` label: the instance it was made for."""
    owner_uid: str | None
    """Uid of its controlling owner; None once released (Retain) or never owned."""


@dataclass(frozen=True)
class Instances:
    """The instances the operator manages for one cluster."""

    namespace: str
    pd_names: Collection[str]
    tikv_addresses: Mapping[str, str]
    """Advertise address → TiKV instance name."""
    tikv_subdomains: Collection[str]
    """Headless Services of the cluster's TiKV groups (`<group>-tikv-peer`)."""
    uids: Mapping[str, str] = field(default_factory=dict)
    """PD and TiKV instance name → uid."""
    claims: Collection[Claim] = ()
    """The cluster's PVCs."""


def _is_ours(address: str, instances: Instances) -> bool:
    """Whether the address has the shape of one of our TiKV Pods' addresses."""
    host, _, port = address.rpartition(":")
    if port != str(TIKV_PORT):
        return False
    _, _, domain = host.partition(".")
    return any(domain == f"{sub}.{instances.namespace}" for sub in instances.tikv_subdomains)


def detect_brake(recorded_id: str | None, pd: PDInfo, instances: Instances) -> Hold | None:
    """The first unsafe state found, most fundamental first, or None."""
    if recorded_id is not None and recorded_id != str(pd.cluster_id):
        return Hold(
            reason=reasons.BRAKE_CLUSTER_ID_MISMATCH,
            blocked=True,
            message=(
                f"PD answers with cluster id {pd.cluster_id}, but this Cluster recorded "
                f"{recorded_id} at first contact: the PD URL may point at another cluster. "
                "Nothing is offlined or deleted until PD answers with the recorded id again."
            ),
        )
    if len(pd.leaders) > 1:
        return Hold(
            reason=reasons.BRAKE_MULTIPLE_LEADERS,
            blocked=True,
            message=(
                f"PD reports more than one leader ({', '.join(pd.leaders)}). "
                "Membership changes wait until PD agrees on one leader."
            ),
        )
    unknown = sorted(set(pd.members) - set(instances.pd_names))
    if unknown:
        return Hold(
            reason=reasons.BRAKE_UNKNOWN_MEMBER,
            blocked=True,
            message=(
                "PD has members no PD instance of this Cluster accounts for: "
                f"{', '.join(unknown)}. Remove them from PD (or restore their PD objects) "
                "before the operator changes membership again."
            ),
        )
    orphans = sorted(
        f"store {s.id} at {s.address}"
        for s in pd.live_stores
        if _is_ours(s.address, instances) and s.address not in instances.tikv_addresses
    )
    if orphans:
        return Hold(
            reason=reasons.BRAKE_ORPHAN_STORE,
            blocked=True,
            message=(
                f"PD has stores at this Cluster's TiKV addresses that no TiKV instance owns: "
                f"{'; '.join(orphans)}. Offline them in PD (or recreate their TiKV objects)."
            ),
        )
    findings = (_misbinding(c, instances) for c in instances.claims)
    misbound = sorted(f for f in findings if f)
    if misbound:
        return Hold(
            reason=reasons.BRAKE_MISBOUND_PVC,
            blocked=True,
            message=(
                f"PVCs are bound to the wrong instance: {'; '.join(misbound)}. An instance must "
                "never start on another one's data; fix or delete these PVCs by hand."
            ),
        )
    return None


def _misbinding(claim: Claim, instances: Instances) -> str:
    """Why `claim` is bound to the wrong instance, or "" when it is not."""
    if not claim.name.endswith(f"-{claim.instance}"):
        return f"PVC {claim.name} is labelled for instance {claim.instance}"
    uid = instances.uids.get(claim.instance)
    if claim.owner_uid is not None and uid is not None and claim.owner_uid != uid:
        return (
            f"PVC {claim.name} is owned by another incarnation of instance {claim.instance} "
            f"(owner uid {claim.owner_uid}, instance uid {uid})"
        )
    return ""


def may_record_id(pd: PDInfo, instances: Instances) -> bool:
    """At first contact, record PD's cluster id only when PD's members are all ours:
    otherwise the URL may answer for another cluster, and recording its id would fence
    out our own."""
    return bool(pd.members) and set(pd.members) <= set(instances.pd_names)


def instances_of(
    namespace: str,
    tikv_groups: Sequence[TiKVGroup],
    pds: Sequence[PD],
    tikvs: Sequence[TiKV],
    pvcs: Sequence[Object],
) -> Instances:
    """What the brake needs to know of a cluster's objects in Kubernetes."""
    return Instances(
        namespace=namespace,
        pd_names={str(p.metadata.name) for p in pds},
        tikv_addresses={
            tikv_address(str(t.metadata.name), t.spec.subdomain, namespace): str(t.metadata.name)
            for t in tikvs
        },
        tikv_subdomains={f"{g.metadata.name}-tikv-peer" for g in tikv_groups}
        | {t.spec.subdomain for t in tikvs},
        uids={str(i.metadata.name): str(i.metadata.uid) for i in [*pds, *tikvs]},
        claims=[c for c in map(_claim, pvcs) if c is not None],
    )


def _claim(pvc: Object) -> Claim | None:
    meta = pvc["metadata"]
    instance = (meta.get("labels") or {}).get(labels.INSTANCE_NAME)
    if instance is None:
        return None
    owner = controller_owner(pvc)
    return Claim(meta["name"], instance, owner.get("uid") if owner is not None else None)
