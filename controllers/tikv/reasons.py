"""Condition and event reasons of the TiKV instance controller."""

from apis import conditions as cond

# Ready
POD_NOT_READY = "PodNotReady"
STORE_NOT_UP = "StoreNotUp"
STORE_NOT_REGISTERED = "StoreNotRegistered"
STORE_RESTARTING = "StoreRestarting"
"""PD's Up is still the old process's: the new one has not heartbeated yet."""
READY = "Ready"
SUSPENDED = "Suspended"
NOT_SUSPENDED = "NotSuspended"

# Synced
POD_OUTDATED = cond.POD_OUTDATED
POD_MISSING = "PodMissing"
SYNCED = "Synced"

# LeadersEvicted
NOT_EVICTING = "NotEvicting"
EVICTION_ENDED = cond.EVICTION_ENDED
EVICTING_LEADERS = cond.EVICTING_LEADERS
LEADERS_EVICTED = "LeadersEvicted"
EVICTION_TIMED_OUT = "EvictionTimedOut"

# Offlined
NOT_OFFLINE = "NotOffline"
OFFLINING = "Offlining"
STORES_NOT_ENOUGH = cond.STORES_NOT_ENOUGH
TOMBSTONE = "Tombstone"
NEVER_REGISTERED = "NeverRegistered"
PD_UNAVAILABLE = "PDUnavailable"
UNSAFE = "UnsafeToProceed"

# Events
EVENT_OFFLINE_STARTED = "StoreOfflineStarted"
EVENT_OFFLINE_CANCELLED = "StoreOfflineCancelled"
EVENT_OFFLINE_REFUSED = "StoreOfflineRefused"
EVENT_TOMBSTONE = "StoreTombstone"
EVENT_EVICT_BEGIN = "LeaderEvictionStarted"
EVENT_EVICT_END = "LeaderEvictionEnded"
EVENT_RESTART = "PodRestart"
EVENT_REMOVED = "InstanceRemoved"
EVENT_UNSAFE = "DestructiveStepRefused"
EVENT_STORE_LABELS = "StoreLabelsSet"
