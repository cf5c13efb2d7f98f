"""Condition types (DESIGN §2). Reasons belong to the controllers that set them, except the
few another controller reads (below)."""

READY = "Ready"
SYNCED = "Synced"
"""The Pods match the update revision."""
SUSPENDED = "Suspended"
BLOCKED = "Blocked"
"""A requested change is unsafe or impossible right now; the message says why."""

# Instances only.
LEADERS_EVICTED = "LeadersEvicted"
OFFLINED = "Offlined"
INITIALIZED = "Initialized"

# Cluster only.
AVAILABLE = "Available"
"""PD has a leader and enough stores are Up to serve."""
PROGRESSING = "Progressing"
CONSISTENT = "Consistent"

# Reasons another controller reads.
POD_OUTDATED = "PodOutdated"
"""Synced=False on an instance: its Pod is to be recreated (the metrics count it)."""
EVICTING_LEADERS = "EvictingLeaders"
"""LeadersEvicted=False on a TiKV: the operator is moving its leaders away."""
STORES_NOT_ENOUGH = "StoresNotEnough"
"""Offlined=False on a TiKV: PD refused to remove its store (too few Up stores would be left
for max-replicas); its group is Blocked with PD's words."""
EVICTION_ENDED = "EvictionEnded"
"""LeadersEvicted=False on a TiKV: the operator ended the eviction of its restart and leaders
are coming back; its group waits for them before restarting the next store."""
PD_UNAVAILABLE = "PDUnavailable"
"""Ready=False on a PD instance: PD could not be asked about its member, which says nothing
about the instance itself (its group does not take it for broken)."""
