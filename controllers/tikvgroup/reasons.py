"""Condition and event reasons of the TiKVGroup controller."""

# Blocked
NOT_BLOCKED = "NotBlocked"
MAX_REPLICAS = "MaxReplicas"
"""Scale-in would leave fewer Up stores than PD's max-replicas (rule 2)."""
PD_UNAVAILABLE = "PDUnavailable"
PD_NOT_UPGRADED = "PDNotUpgraded"
"""TiKV is upgraded only after every PDGroup of the cluster (rule 6, PD before TiKV)."""
UNSAFE = "UnsafeToProceed"

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
