"""The single-namespace install works as shipped: the operator, as a ServiceAccount of the
test's namespace bound to the Role of manifests/rbac/namespaced there (and to its read-only
ClusterRole for Nodes and StorageClasses), brings a cluster to Ready, and asks for nothing
outside its namespace but those two cluster-scoped reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hack.localcluster import LocalCluster

from . import rbac
from .harness import E2E
from .rbac import Access, Identity

pytestmark = pytest.mark.e2e

CLUSTER_SCOPED = {("", "nodes"), ("storage.k8s.io", "storageclasses")}


@pytest.fixture
def operator_identity(
    control_plane: LocalCluster, namespace: str, tmp_path: Path
) -> Iterator[Identity]:
    """The namespaced RBAC, through an overlay that sets the test's namespace."""
    identity = rbac.install(control_plane, "rbac/namespaced", namespace, tmp_path / "identity")
    try:
        yield identity
    finally:
        # The namespace takes its own objects with it; the cluster-scoped ones stay behind.
        for o in identity.objects:
            if o["kind"] in ("ClusterRole", "ClusterRoleBinding"):
                control_plane.kubectl("delete", o["kind"], o["metadata"]["name"], check=False)


@pytest.fixture
def operator_env(namespace: str) -> dict[str, str]:
    """What manifests/namespaced gives the operator from the downward API: the namespace to
    watch (instead of --namespace) and its own, where the Lease goes."""
    return {"TIKV_OPERATOR_NAMESPACE": namespace, "POD_NAMESPACE": namespace}


# Leader election as the Deployment runs it.
@pytest.mark.parametrize("operator_args", [("--leader-elect",)])
async def test_the_namespaced_install_brings_a_cluster_to_ready(
    e2e: E2E, operator_identity: Identity
) -> None:
    assert e2e.operator.process is not None
    assert not [a for a in e2e.operator.process.argv if a.startswith("--namespace")]
    e2e.apply_basic()
    await e2e.wait_ready()
    assert e2e.operator.stop() == 0, e2e.operator.log_tail()

    events = rbac.audit_events(e2e.control_plane.audit_log)
    requests = rbac.requests_of(events, operator_identity.user)
    assert requests, "no request of the operator in the audit log"
    assert not rbac.forbidden(requests), sorted({r.message for r in rbac.forbidden(requests)})
    grants = rbac.granted(operator_identity.objects, "Role", "ClusterRole")
    used = {r.access for r in requests}
    assert used <= grants, sorted(map(str, used - grants))
    cluster_wide = {(r.access.group, r.access.resource) for r in requests if not r.namespace}
    assert cluster_wide <= CLUSTER_SCOPED, cluster_wide
    elsewhere = {
        f"{r.access} in {r.namespace}"
        for r in requests
        if r.namespace and r.namespace != e2e.namespace
    }
    assert not elsewhere, sorted(elsewhere)
    assert Access("coordination.k8s.io", "leases", "create") in used
