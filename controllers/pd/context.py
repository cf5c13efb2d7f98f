"""The state one reconcile of a PD instance works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import PD, Cluster
from controllers.common.deps import Deps
from controllers.common.keyed import Keyed
from controllers.common.objects import Object
from controllers.common.pdview import NO_PD, PDState, UsesPD


@dataclass
class PDContext(Keyed, UsesPD):
    deps: Deps
    key: str
    loaded: PD | None = None
    loaded_cluster: Cluster | None = None
    pd_state: PDState = NO_PD
    """The cluster's PD view; destructive PD-dependent steps wait while it is unusable."""
    pod: Object | None = None
    config: str = ""
    desired_pod: Object | None = None
    suspend_note: str | None = None
    """While compute is suspended and the Pod still exists: why it has not gone yet."""
    notes: list[str] = field(default_factory=list)

    @property
    def pd(self) -> PD:
        assert self.loaded is not None, "the load task runs first"
        return self.loaded

    @property
    def cluster(self) -> Cluster:
        assert self.loaded_cluster is not None, "the load task runs first"
        return self.loaded_cluster

    @property
    def deleting(self) -> bool:
        return self.loaded is not None and self.loaded.metadata.deletion_timestamp is not None

    @property
    def cluster_deleting(self) -> bool:
        """The whole cluster is going away: its PD members need not leave one by one."""
        c = self.loaded_cluster
        return c is None or c.metadata.deletion_timestamp is not None

    @property
    def is_member(self) -> bool:
        return self.view is not None and self.view.member(self.name) is not None

    @property
    def is_leader(self) -> bool:
        return self.view is not None and self.view.leader == self.name
