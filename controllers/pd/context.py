"""The state one reconcile of a PD instance works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import PD
from apis.pd import COMPONENT, TLS_DIR
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from controllers.common.tls import InstanceTLS, instance_tls
from controllers.pd.build import group_of
from tikv_operator.kube import resources


@dataclass
class PDContext(ReconcileContext[PD]):
    KIND = resources.PD

    pod: Object | None = None
    config: str = ""
    desired_pod: Object | None = None
    suspend_note: str | None = None
    """While compute is suspended and the Pod still exists: why it has not gone yet."""
    notes: list[str] = field(default_factory=list)

    @property
    def pd(self) -> PD:
        return self.obj

    @property
    def tls(self) -> InstanceTLS | None:
        return instance_tls(self.loaded_cluster, group_of(self.pd), COMPONENT, TLS_DIR)

    @property
    def is_member(self) -> bool:
        return self.view is not None and self.view.member(self.name) is not None

    @property
    def is_leader(self) -> bool:
        return self.view is not None and self.view.leader == self.name
