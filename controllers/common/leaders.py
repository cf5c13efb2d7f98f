"""Whether a store is short of leaders because of the operator (DESIGN §5 rules 5 and 6):
its leaders are being evicted, or its eviction ended and PD has moved none back yet. Both
the TiKV group (before updating the next store) and each TiKV instance (before restarting
its own) wait on it, so that two stores are never short of leaders at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from apis import conditions as cond
from apis.meta import Condition
from tikv_operator.pdapi.models import StoreInfo


def evicting(eviction: Condition | None) -> bool:
    """The LeadersEvicted condition says leaders are being (or were, for a restart) moved
    off the store, and the eviction has not been ended yet."""
    return eviction is not None and (
        eviction.status == "True" or eviction.reason == cond.EVICTING_LEADERS
    )


def leaders_returning(
    eviction: Condition | None,
    leader_count: int | None,
    region_count: int | None,
    now: datetime,
    timeout: timedelta,
) -> bool:
    """The eviction of a restart ended and PD has moved no leader back yet (bounded)."""
    return (
        eviction is not None
        and eviction.reason == cond.EVICTION_ENDED
        and not leader_count
        and bool(region_count)
        and now - eviction.last_transition_time < timeout
    )


def short_of_leaders(
    eviction: Condition | None, store: StoreInfo | None, now: datetime, timeout: timedelta
) -> bool:
    if evicting(eviction):
        return True
    if store is None:
        return False
    counts = store.status
    return leaders_returning(eviction, counts.leader_count, counts.region_count, now, timeout)
