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
NO_LEADER = "PDNoLeader"

# Failover holds that are not blocks (the Ready condition's message says them).
FAILOVER_DISABLED = "FailoverDisabled"
MEMBERSHIP_CHANGING = "MembershipChanging"
LEADER_UNHEALTHY = "LeaderUnhealthy"

# Events.
BOOTSTRAP = "Bootstrapping"
SCALED_OUT = "ScaledOut"
SCALED_IN = "ScaledIn"
INSTANCE_UPDATED = "InstanceUpdated"
INSTANCES_DELETED = "InstancesDeleted"
FAILOVER_STARTED = "FailoverStarted"
MEMBER_DELETED = "MemberDeleted"
FAILOVER_RECREATED = "FailoverRecreated"
FAILOVER_FINISHED = "FailoverFinished"
FAILOVER_CANCELLED = "FailoverCancelled"
FAILOVER_BLOCKED = "FailoverBlocked"
MEMBER_UNHEALTHY = "MemberUnhealthy"
"""A member past unhealthyTimeout while failover is disabled: reported, never touched."""
