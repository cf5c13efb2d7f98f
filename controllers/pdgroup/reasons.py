"""Condition and event reasons of the PDGroup controller (CamelCase constants)."""

# Ready / Synced.
ALL_READY = "AllInstancesReady"
NOT_ALL_READY = "InstancesNotReady"
UP_TO_DATE = "AllInstancesUpToDate"
UPDATING = "InstancesOutdated"
SCALING = "Scaling"

# Suspended.
SUSPENDED = "Suspended"
SUSPENDING = "Suspending"
NOT_SUSPENDED = "NotSuspended"

# Blocked.
NOT_BLOCKED = "NotBlocked"
PD_UNAVAILABLE = "PDUnavailable"
QUORUM_AT_RISK = "QuorumAtRisk"
LAST_MEMBER = "LastMember"
UNSAFE = "UnsafeToProceed"
CLUSTER_MISSING = "ClusterNotFound"

# Events.
BOOTSTRAP = "Bootstrapping"
SCALED_OUT = "ScaledOut"
SCALED_IN = "ScaledIn"
INSTANCE_UPDATED = "InstanceUpdated"
INSTANCES_DELETED = "InstancesDeleted"
