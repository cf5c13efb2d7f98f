"""The state one reconcile of a Cluster works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import PD, Cluster, PDGroup, TiKV, TiKVGroup
from controllers.cluster.brake import Instances, instances_of
from controllers.cluster.build import Verdict
from controllers.cluster.pdinfo import PDInfo
from controllers.cluster.tls import SecretVerdict
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from tikv_operator.kube import resources


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
    tls_secrets: list[SecretVerdict] = field(default_factory=list)
    """A TLS cluster's Secrets, the operator's client Secret first (`tls` task)."""
    recorded_id: str | None = None
    """status.id after this reconcile: recorded at first contact, never overwritten."""

    @property
    def cluster(self) -> Cluster:
        return self.obj

    def set(self, type_: str, verdict: Verdict) -> None:
        self.condition(type_, verdict.status, verdict.reason, verdict.message)

    @property
    def client_secret(self) -> SecretVerdict | None:
        """The operator's TLS client Secret, in a TLS cluster."""
        return self.tls_secrets[0] if self.tls_secrets else None

    @property
    def group_secret_problems(self) -> list[str]:
        return [s.describe() for s in self.tls_secrets[1:] if s.problem is not None]

    def instances(self) -> Instances:
        return instances_of(self.namespace, self.tikv_groups, self.pds, self.tikvs, self.pvcs)
