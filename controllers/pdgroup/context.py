"""The state one reconcile of a PDGroup works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import PD, Cluster, PDGroup
from controllers.common.deps import Deps
from controllers.common.keyed import Keyed
from controllers.common.pdview import NO_PD, PDState, UsesPD
from controllers.pdgroup.decisions import Hold


@dataclass
class GroupContext(Keyed, UsesPD):
    deps: Deps
    key: str
    loaded: PDGroup | None = None
    loaded_cluster: Cluster | None = None
    instances: list[PD] = field(default_factory=list)
    """The group's PD instances, from the cache."""
    pd_state: PDState = NO_PD
    revision: str = ""
    blocked: Hold | None = None
    """Set when a requested change is unsafe now; becomes the Blocked condition."""
    finalized: bool = False
    """The finalizer is gone: the group may vanish any moment, so no status is written."""

    @property
    def group(self) -> PDGroup:
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
        c = self.loaded_cluster
        return c is None or c.metadata.deletion_timestamp is not None
