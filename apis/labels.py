"""Labels, annotations and the finalizer on managed objects (DESIGN §3)."""

MANAGED_BY = "app.kubernetes.io/managed-by"
"""`tikv-operator` on every object the operator creates; its caches of Pods, PVCs, ConfigMaps,
Services and ControllerRevisions select on it."""
NAME = "app.kubernetes.io/name"
"""`tikv` on every managed object."""
INSTANCE = "app.kubernetes.io/instance"
"""The Cluster's name."""
COMPONENT = "app.kubernetes.io/component"
"""`pd` or `tikv`."""

CLUSTER = "tikv.org/cluster"
"""The Cluster's name, on every object the operator creates."""
GROUP = "tikv.org/group"
"""The group's name, on its instances, their children and its ControllerRevisions."""
INSTANCE_NAME = "tikv.org/instance"
"""The instance's name, on its Pod, PVCs and ConfigMap."""
INSTANCE_REVISION_HASH = "tikv.org/instance-revision-hash"
"""The group revision an instance (and its Pod) was built from: the hash in the name of
the group's ControllerRevision `<group>-<hash>`."""

PD_INITIAL_CLUSTER = "tikv.org/pd-initial-cluster"
"""Annotation on a PD CR of a new cluster's first members: the comma-separated names of every
initial member. Such a member starts with `initial-cluster`; every other member with `join`."""
POD_HASH = "tikv.org/pod-hash"
"""Annotation on a PD or TiKV Pod: hash of what the Pod was built from (its PodSpec, and its
config unless the config is hot-reloaded); a different hash means the Pod must be recreated."""
POD_SPEC_HASH = "tikv.org/pod-spec-hash"
"""Annotation on a PD or TiKV Pod: hash of its PodSpec alone. With the HotReload config
strategy a Pod whose spec hash still matches is kept (its config changes online)."""
APPLIED_LABELS = "tikv.org/applied-labels"
"""Annotation on an instance or Pod: the comma-separated keys of the user's labels (from the
group's template.metadata and overlay.pod.metadata) the operator put there, so that a key
dropped from the template is removed again and no other label is ever touched."""
APPLIED_ANNOTATIONS = "tikv.org/applied-annotations"
"""The same as tikv.org/applied-labels, for annotations."""

OPERATOR_LABELS = frozenset(
    {MANAGED_BY, NAME, INSTANCE, COMPONENT, CLUSTER, GROUP, INSTANCE_NAME, INSTANCE_REVISION_HASH}
)
"""Labels the operator sets itself: a user's template label of the same key is ignored."""
OPERATOR_ANNOTATIONS = frozenset(
    {PD_INITIAL_CLUSTER, POD_HASH, POD_SPEC_HASH, APPLIED_LABELS, APPLIED_ANNOTATIONS}
)
"""Annotations the operator sets itself: a user's template annotation of the same key is
ignored."""

PROMETHEUS_SCRAPE = "prometheus.io/scrape"
"""`true` on PD and TiKV Pods (see prometheus.io/path)."""
PROMETHEUS_PORT = "prometheus.io/port"
"""The metrics port on PD and TiKV Pods: 2379 for PD, 20180 for TiKV (see prometheus.io/path)."""
PROMETHEUS_PATH = "prometheus.io/path"
"""Annotations on PD and TiKV Pods for Prometheus's annotation-driven Pod discovery (the
`kubernetes-pods` job of Prometheus's example configuration): where the server's own metrics
are. Defaults only: a user's template or overlay annotation of the same key wins, so
`prometheus.io/scrape: "false"` turns the scrape off."""
PROMETHEUS_SCHEME = "prometheus.io/scheme"
"""`https` on the Pods of a TLS cluster (absent otherwise: http)."""

MANAGED_BY_VALUE = "tikv-operator"
NAME_VALUE = "tikv"

FINALIZER = "core.tikv.org/finalizer"
"""On each of the five kinds: the object stays until its deletion branch has cleaned up (a
store Tombstone, a PD member removed, the groups of a deleted Cluster gone)."""
FIELD_MANAGER = "tikv-operator"
OVERRIDE_SAFETY_BRAKE = "tikv.org/override-safety-brake"
"""Annotation a user sets (to a reason) to let the operator act despite the safety brake."""

ALLOW_DOWNGRADE = "tikv.org/allow-downgrade"
"""On a group: the version its template may go down to (the value must name it)."""
