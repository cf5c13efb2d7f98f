"""The state one reconcile of a PDGroup works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from apis import PD, PDGroup
from controllers.common.context import ReconcileContext
from controllers.common.updater import Hold
from tikv_operator.kube import resources


@dataclass
class GroupContext(ReconcileContext[PDGroup]):
    KIND = resources.PDGROUP

    instances: list[PD] = field(default_factory=list)
    """The group's PD instances, from the cache."""
    revision: str = ""
    blocked: Hold | None = None
    """Set when a requested change is unsafe now; becomes the Blocked condition."""

    @property
    def group(self) -> PDGroup:
        return self.obj
