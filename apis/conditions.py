"""Condition types (DESIGN §2). Reasons belong to the controllers that set them."""

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
