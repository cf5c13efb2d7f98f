"""The state one reconcile of a PDGroup works on."""

from __future__ import annotations

from dataclasses import dataclass

from apis import PD, PDGroup
from controllers.common import context
from tikv_operator.kube import resources


@dataclass
class GroupContext(context.GroupContext[PDGroup, PD]):
    KIND = resources.PDGROUP

    failover_note: str | None = None
    """What failover waits for or why it holds; the Ready condition's message says it."""
