"""Labels, annotations and the finalizer on managed objects (DESIGN §3)."""

MANAGED_BY = "app.kubernetes.io/managed-by"
NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"

CLUSTER = "tikv.org/cluster"
GROUP = "tikv.org/group"
INSTANCE_NAME = "tikv.org/instance"
INSTANCE_REVISION_HASH = "tikv.org/instance-revision-hash"

MANAGED_BY_VALUE = "tikv-operator"
NAME_VALUE = "tikv"

FINALIZER = "core.tikv.org/finalizer"
FIELD_MANAGER = "tikv-operator"
OVERRIDE_SAFETY_BRAKE = "tikv.org/override-safety-brake"
"""Annotation a user sets (to a reason) to let the operator act despite the safety brake."""
