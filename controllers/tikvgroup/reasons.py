"""Condition and event reasons of the TiKVGroup controller."""

from apis import conditions as cond

# Blocked
NOT_BLOCKED = "NotBlocked"
MAX_REPLICAS = "MaxReplicas"
"""Scale-in would leave fewer Up stores than PD's max-replicas (rule 2)."""
STORES_NOT_ENOUGH = cond.STORES_NOT_ENOUGH
"""PD itself refused to remove the store of an offlining instance (PD's config changed
after the operator's own check)."""
PD_UNAVAILABLE = "PDUnavailable"
PD_NOT_UPGRADED = "PDNotUpgraded"
"""TiKV is upgraded only after every PDGroup of the cluster (rule 6, PD before TiKV)."""
UNSAFE = "UnsafeToProceed"
FAILOVER_IN_PROGRESS = "FailoverInProgress"
"""A replacement is not Up yet: no further failover until it is (one at a time)."""
MAX_FAILOVER_COUNT = "MaxFailoverCount"
STORE_DOWN = "StoreDown"
"""A rolling update waits on a store that is Down or Disconnected."""

# Ready
READY = "Ready"
NOT_READY = "InstancesNotReady"

# Synced
SYNCED = "Synced"
UPDATING = "Updating"
SCALING = "Scaling"

# Events
EVENT_SCALE_OUT = "ScaleOut"
EVENT_SCALE_IN = "ScaleIn"
EVENT_SCALE_IN_REFUSED = "ScaleInRefused"
EVENT_REVIVE = "ScaleInCancelled"
EVENT_INSTANCE_DELETED = "InstanceDeleted"
EVENT_UPDATE = "RollingUpdate"
EVENT_BLOCKED = "Blocked"
EVENT_FAILOVER_STARTED = "FailoverStarted"
EVENT_FAILOVER_FINISHED = "FailoverFinished"
EVENT_FAILOVER_RECOVERED = "FailoverRecovered"
