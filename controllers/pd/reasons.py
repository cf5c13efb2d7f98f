"""Condition and event reasons of the PD instance controller (CamelCase constants)."""

from apis import conditions as cond

# Conditions.
POD_READY = "PodReady"
POD_NOT_READY = "PodNotReady"
POD_MISSING = "PodMissing"
MEMBER_UNHEALTHY = "MemberUnhealthy"
MEMBER_NOT_JOINED = "MemberNotJoined"
SUSPENDED = "Suspended"
SUSPENDING = "Suspending"
NOT_SUSPENDED = "NotSuspended"
PD_UNAVAILABLE = cond.PD_UNAVAILABLE
SYNCED = "PodUpToDate"
POD_OUTDATED = cond.POD_OUTDATED
JOINED = "MemberJoined"
NOT_JOINED = "MemberNotJoined"
SUSPENDED = "Suspended"
SUSPENDING = "Suspending"
NOT_SUSPENDED = "NotSuspended"

# Events.
LEADER_TRANSFERRED = "LeaderTransferred"
LEADER_TRANSFER_BLOCKED = "LeaderTransferBlocked"
MEMBER_DELETED = "MemberDeleted"
MEMBER_DELETE_BLOCKED = "MemberDeleteBlocked"
POD_CREATED = "PodCreated"
POD_DELETED = "PodDeleted"
POD_RESTARTED = "PodRestarted"
POD_SUSPENDED = "PodSuspended"
RESTART_BLOCKED = "RestartBlocked"
PVCS_DELETED = "PVCsDeleted"
UNSAFE = "UnsafeToProceed"
