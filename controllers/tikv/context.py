"""What one reconcile of a TiKV instance knows; filled by the load and pd tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import TiKV, labels
from apis.tikv import COMPONENT, TLS_DIR
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from controllers.common.tls import InstanceTLS, instance_tls
from tikv_operator.kube import resources
from tikv_operator.pdapi.models import StoreInfo


@dataclass
class Context(ReconcileContext[TiKV]):
    KIND = resources.TIKV

    pod: Object | None = None
    siblings: list[TiKV] = field(default_factory=list)
    store: StoreInfo | None = None
    """The instance's store in PD's view (by advertise address), if it registered."""
    restart_pending: bool = False

    @property
    def tikv(self) -> TiKV:
        return self.obj

    @property
    def group(self) -> str | None:
        return self.tikv.metadata.labels.get(labels.GROUP)

    @property
    def tls(self) -> InstanceTLS | None:
        return instance_tls(self.loaded_cluster, self.group, COMPONENT, TLS_DIR)
