"""Condition and event reasons the Cluster controller sets (CamelCase, one constant each)."""

from controllers.common.safety import BRAKE_REASON_PREFIX, IDENTITY_BRAKE_REASON

# Available
PD_LEADER_AND_STORES_UP = "PDLeaderAndStoresUp"
PD_UNREACHABLE = "PDUnreachable"
PD_NO_LEADER = "PDNoLeader"
NOT_ENOUGH_STORES_UP = "NotEnoughStoresUp"
NO_PD_GROUP = "NoPDGroup"
TLS_CLIENT_SECRET_INVALID = "TLSClientSecretInvalid"

# Ready / Synced / Progressing
ALL_GROUPS_READY = "AllGroupsReady"
GROUPS_NOT_READY = "GroupsNotReady"
ALL_GROUPS_SYNCED = "AllGroupsSynced"
GROUPS_NOT_SYNCED = "GroupsNotSynced"
INVALID_SPEC = "InvalidSpec"
TLS_SECRET_INVALID = "TLSSecretInvalid"
CHANGES_IN_PROGRESS = "ChangesInProgress"
STABLE = "Stable"
PAUSED = "Paused"

# Suspended
SUSPENDING = "Suspending"
COMPUTE_SUSPENDED = "ComputeSuspended"
NOT_SUSPENDED = "NotSuspended"

# Consistent
CONSISTENT = "PDMatchesInstances"
INCONSISTENT = "PDDiffersFromInstances"
CONSISTENCY_UNKNOWN = "PDNotChecked"

# Blocked: the safety brake (every reason starts with BRAKE_REASON_PREFIX) and deletion.
BRAKE_CLUSTER_ID_MISMATCH = IDENTITY_BRAKE_REASON
BRAKE_MULTIPLE_LEADERS = f"{BRAKE_REASON_PREFIX}MultipleLeaders"
BRAKE_UNKNOWN_MEMBER = f"{BRAKE_REASON_PREFIX}UnknownMember"
BRAKE_ORPHAN_STORE = f"{BRAKE_REASON_PREFIX}OrphanStore"
BRAKE_MISBOUND_PVC = f"{BRAKE_REASON_PREFIX}MisboundPVC"
BRAKE_RELEASED = "BrakeReleased"
DELETE_PROTECTED = "DeleteProtected"
NOT_BLOCKED = "NotBlocked"

# Events only
PD_CLUSTER_ID_RECORDED = "PDClusterIDRecorded"
DELETING_TIKV_GROUPS = "DeletingTiKVGroups"
DELETING_PD_GROUPS = "DeletingPDGroups"
CLUSTER_DELETED = "ClusterDeleted"
