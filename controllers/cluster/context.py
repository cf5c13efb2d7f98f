"""The state one reconcile of a Cluster works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import PD, Cluster, PDGroup, TiKV, TiKVGroup, labels
from apis.names import tikv_address
from controllers.cluster.brake import Claim, Instances
from controllers.cluster.build import Verdict
from controllers.cluster.pdinfo import PDInfo
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from tikv_operator.kube import resources
from tikv_operator.kube.resources import controller_owner


@dataclass
class ClusterContext(ReconcileContext[Cluster]):
    KIND = resources.CLUSTER

    pd_groups: list[PDGroup] = field(default_factory=list)
    tikv_groups: list[TiKVGroup] = field(default_factory=list)
    pds: list[PD] = field(default_factory=list)
    tikvs: list[TiKV] = field(default_factory=list)
    pods: list[Object] = field(default_factory=list)
    pvcs: list[Object] = field(default_factory=list)
    pd_info: PDInfo | None = None
    pd_no_leader: bool = False
    """PD answered, without a leader: a state of PD, not of the network."""
    invalid: list[str] = field(default_factory=list)
    """Objects of the cluster whose spec the operator cannot read ("TiKVGroup basic")."""
    recorded_id: str | None = None
    """status.id after this reconcile: recorded at first contact, never overwritten."""

    @property
    def cluster(self) -> Cluster:
        return self.obj

    def set(self, type_: str, verdict: Verdict) -> None:
        self.condition(type_, verdict.status, verdict.reason, verdict.message)

    def instances(self) -> Instances:
        return Instances(
            namespace=self.namespace,
            pd_names={str(p.metadata.name) for p in self.pds},
            tikv_addresses={
                tikv_address(str(t.metadata.name), t.spec.subdomain, self.namespace): str(
                    t.metadata.name
                )
                for t in self.tikvs
            },
            tikv_subdomains={f"{g.metadata.name}-tikv-peer" for g in self.tikv_groups}
            | {t.spec.subdomain for t in self.tikvs},
            uids={str(i.metadata.name): str(i.metadata.uid) for i in [*self.pds, *self.tikvs]},
            claims=[c for c in map(_claim, self.pvcs) if c is not None],
        )


def _claim(pvc: Object) -> Claim | None:
    meta = pvc["metadata"]
    instance = (meta.get("labels") or {}).get(labels.INSTANCE_NAME)
    if instance is None:
        return None
    owner = controller_owner(pvc)
    return Claim(meta["name"], instance, owner.get("uid") if owner is not None else None)
