"""Least privilege, proven: the operator, as its ServiceAccount under the shipped ClusterRole,
takes a cluster through its life, and the API server's audit log shows that it used every
grant and needed nothing more."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources
from tikv_operator.kube.resources import Object

from .harness import E2E, eventually
from .rbac import Access, Identity, audit_events, forbidden, granted, requests_of
from .test_pd_failover import failed_over, leader, member_ids
from .test_upgrade import NEW, set_version, wait_rolled

pytestmark = pytest.mark.e2e

FINALIZERS_REASON = (
    "asked by the OwnerReferencesPermissionEnforcement admission plugin (enabled on the local "
    "API server) when a child names its owner with blockOwnerDeletion, never a request of its "
    "own: not in the audit log, but without it no Pod, PVC, ConfigMap, instance, Service or "
    "ControllerRevision could be created"
)
NOT_EXERCISED = {
    **{
        Access("core.tikv.org", f"{plural}/finalizers", "update"): FINALIZERS_REASON
        for plural in ("pdgroups", "pds", "tikvgroups", "tikvs")
    },
    Access("apps", "controllerrevisions", "get"): (
        "read from the API server only when the cache misses a revision: one to renumber that "
        "was written a moment ago, or the holder of a name a create collided with; races a "
        "scenario cannot bring about on purpose"
    ),
}
"""Grants no request in the audit log can show, and why."""


async def tikv_pods(e2e: E2E) -> list[Object]:
    return await e2e.list(resources.POD, "app.kubernetes.io/component=tikv")


async def label_tikv_pods(e2e: E2E, value: str | None) -> None:
    """Set (or, with None, remove) the label `team` on the TiKV template, and wait until every
    TiKV Pod has it in place."""
    patch = {"spec": {"template": {"metadata": {"labels": {"team": value}}}}}
    await e2e.patch(resources.TIKVGROUP, patch)

    async def done() -> bool:
        pods = await tikv_pods(e2e)
        return bool(pods) and all(p["metadata"]["labels"].get("team") == value for p in pods)

    await eventually(done, f"label team={value} on every TiKV Pod", 120)


async def grow_tikv_storage(e2e: E2E, storage: str) -> None:
    volumes = [{"name": "data", "mounts": [{"type": "data"}], "storage": storage}]
    await e2e.patch(resources.TIKVGROUP, {"spec": {"template": {"spec": {"volumes": volumes}}}})

    async def grown() -> bool:
        pvcs = await e2e.list(resources.PVC, "app.kubernetes.io/component=tikv")
        return bool(pvcs) and all(
            p["spec"]["resources"]["requests"]["storage"] == storage for p in pvcs
        )

    await eventually(grown, f"every TiKV PVC asking for {storage}", 120)


async def refused_scale_in_warned_twice(e2e: E2E) -> None:
    """A scale-in below max-replicas is refused with a Warning event that repeats (its series
    patched); scaling back ends it."""
    await e2e.scale(resources.TIKVGROUP, 2)

    async def repeated() -> bool:
        return any(
            e.get("type") == "Warning" and (e.get("series") or {}).get("count", 0) >= 2
            for e in await e2e.events_about("TiKVGroup")
        )

    await eventually(repeated, "a repeated Warning about the refused scale-in", 120)
    await e2e.scale(resources.TIKVGROUP, 3)


async def pd_failover(e2e: E2E) -> None:
    patch = {"spec": {"failover": {"enabled": True, "unhealthyTimeout": "15s"}}}
    await e2e.patch(resources.PDGROUP, patch)
    name = sorted(set(member_ids(e2e)) - {leader(e2e)})[0]
    e2e.sim.post(f"/sim/members/{name}/hang", {})
    await failed_over(e2e, name)


async def read_tls_secrets(e2e: E2E) -> None:
    """A TLS Cluster makes the operator read its client Secret (by name: `get`, which the
    audit log shows even when, as here, there is none)."""
    manifest = {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": "secure", "namespace": e2e.namespace},
        "spec": {"tlsCluster": {"enabled": True}},
    }
    await e2e.kube.create(resources.CLUSTER, manifest)

    async def reported() -> bool:
        cluster = await e2e.kube.get(resources.CLUSTER, "secure", e2e.namespace)
        conditions = (cluster.get("status") or {}).get("conditions") or []
        return any(c.get("reason") == "TLSClientSecretInvalid" for c in conditions)

    await eventually(reported, "the TLS Cluster reporting its missing client Secret", 60)
    e2e.kubectl("delete", "tc", "secure")


async def delete_cluster(e2e: E2E) -> None:
    e2e.kubectl("delete", "tc", "basic", "--wait=false")

    async def gone() -> bool:
        return not any([await e2e.names(k) for k in (resources.CLUSTER, resources.PDGROUP)])

    await eventually(gone, "the Cluster and its groups deleted", 180)


@pytest.mark.parametrize("operator_args", [("--leader-elect",)])
async def test_the_cluster_role_grants_exactly_what_the_operator_uses(
    e2e: E2E, operator_identity: Identity
) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    # Template labels on and off again: Pods patched in place, and the first revision
    # renumbered as the newest (a PUT of the ControllerRevision).
    await label_tikv_pods(e2e, "storage")
    await label_tikv_pods(e2e, None)
    await grow_tikv_storage(e2e, "200Gi")
    await e2e.scale(resources.TIKVGROUP, 4)
    await e2e.wait_ready(tikv=4)
    await e2e.scale(resources.TIKVGROUP, 3)
    await e2e.wait_ready(tikv=3)
    await refused_scale_in_warned_twice(e2e)
    await e2e.patch(resources.CLUSTER, {"spec": {"revisionHistoryLimit": 0}})
    await set_version(e2e, resources.PDGROUP, NEW)
    await set_version(e2e, resources.TIKVGROUP, NEW)
    await wait_rolled(e2e, resources.PDGROUP, NEW)
    await wait_rolled(e2e, resources.TIKVGROUP, NEW)
    await e2e.wait_ready()
    await pd_failover(e2e)
    await e2e.wait_ready()
    await read_tls_secrets(e2e)
    await delete_cluster(e2e)
    assert e2e.operator.stop() == 0, e2e.operator.log_tail()  # releases the Lease

    # Every scenario of the session so far counts: a grant any of them used is used.
    requests = requests_of(audit_events(e2e.control_plane.audit_log), operator_identity.user)
    used = {r.access for r in requests}
    grants = granted(operator_identity.objects, "ClusterRole")
    assert not forbidden(requests), sorted({r.message for r in forbidden(requests)})
    assert used <= grants, sorted(map(str, used - grants))
    assert set(NOT_EXERCISED) <= grants, "NOT_EXERCISED names what is not granted"
    unused = grants - used
    assert unused <= set(NOT_EXERCISED), "granted, never used: " + ", ".join(
        sorted(map(str, unused - set(NOT_EXERCISED)))
    )
