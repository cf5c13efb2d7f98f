"""Decisions of a PD instance (DESIGN §5 rule 4, suspension order): plain functions over
data. Quorum math is the updater's (controllers/common/updater.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TransferCandidate:
    """A member that might take over leadership."""

    name: str
    healthy: bool
    ready_since: datetime | None
    """When its instance last became Ready; None when it is not Ready."""


def leader_transfer_target(candidates: Sequence[TransferCandidate], leader: str) -> str | None:
    """The member to hand leadership to: the healthy, Ready one that has been Ready the
    longest (the least likely to be mid-restart), ties broken by name. None if no member
    qualifies, in which case the leader must stay."""
    eligible = [
        c for c in candidates if c.name != leader and c.healthy and c.ready_since is not None
    ]
    if not eligible:
        return None
    best = min(eligible, key=lambda c: (c.ready_since, c.name))
    return best.name


def suspend_hold(
    tikv_pods: Sequence[str], leader: bool, other_pd_pods: Sequence[str]
) -> str | None:
    """Why this PD member's Pod must stay a while longer although the Cluster suspends
    compute, or None when it may be deleted now.

    TiKV Pods go first: a TiKV without PD cannot heartbeat or report, and PD going last is the
    order DESIGN §3 uses for deletion too. Among PD members the leader goes last, so that it
    never goes while it leads (rule 4): once the followers are gone it has no quorum and no
    longer leads. No leadership transfer: every member is going, there is nowhere to hand it.
    """
    if tikv_pods:
        return (
            f"compute is suspended; waiting for the TiKV Pods {', '.join(sorted(tikv_pods))} "
            "to be gone before PD's Pods go"
        )
    if leader and other_pd_pods:
        return (
            "compute is suspended; this member leads PD, so its Pod goes after the other PD "
            f"Pods {', '.join(sorted(other_pd_pods))}"
        )
    return None
