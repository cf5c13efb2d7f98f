"""Labels, annotations and the finalizer on managed objects (DESIGN §3)."""

MANAGED_BY = "app.kubernetes.io/managed-by"
NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"

CLUSTER = "tikv.org/cluster"
GROUP = "tikv.org/group"
INSTANCE_NAME = "tikv.org/instance"
INSTANCE_REVISION_HASH = "tikv.org/instance-revision-hash"

PD_INITIAL_CLUSTER = "tikv.org/pd-initial-cluster"
"""Annotation on a PD CR of a new cluster's first members: the comma-separated names of every
initial member. Such a member starts with `initial-cluster`; every other member with `join`."""
POD_HASH = "tikv.org/pod-hash"
"""Annotation on a PD Pod: hash of what the Pod was built from; a different hash means the Pod
must be recreated."""

MANAGED_BY_VALUE = "tikv-operator"
NAME_VALUE = "tikv"

FINALIZER = "core.tikv.org/finalizer"
FIELD_MANAGER = "tikv-operator"
OVERRIDE_SAFETY_BRAKE = "tikv.org/override-safety-brake"
"""Annotation a user sets (to a reason) to let the operator act despite the safety brake."""
