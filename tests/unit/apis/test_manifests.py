"""The install manifests build with kustomize (offline; the API server dry-run is in
tests/integration/test_crd_validation.py, since `kubectl apply --dry-run=client` needs a
server for discovery)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from apis import crd
from tests.unit.kustomize import kustomize, needs_kubectl

MANIFESTS = Path(__file__).resolve().parents[3] / "manifests"
FIVE_KINDS = {"clusters", "pdgroups", "pds", "tikvgroups", "tikvs"}

pytestmark = needs_kubectl


def _build(directory: str) -> list[dict[str, Any]]:
    return kustomize(MANIFESTS / directory)


def _one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind]
    return found


def _grants(rules: list[dict[str, Any]], group: str, resource: str) -> set[str]:
    return {
        verb
        for rule in rules
        if group in rule["apiGroups"] and resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(o["kind"] for o in objects)


def _kinds_of_an_install(*rbac: str) -> list[str]:
    crds = ["CustomResourceDefinition"] * 5
    return sorted([*crds, "Deployment", "Namespace", "Service", "ServiceAccount", *rbac])


def test_default_install_has_crds_rbac_and_manager_in_one_namespace() -> None:
    objects = _build("default")
    assert _kinds(objects) == _kinds_of_an_install("ClusterRole", "ClusterRoleBinding")
    for kind in ("Deployment", "ServiceAccount"):
        assert _one(objects, kind)["metadata"]["namespace"] == "tikv-operator-system"
    subject = _one(objects, "ClusterRoleBinding")["subjects"][0]
    assert subject == {
        "kind": "ServiceAccount",
        "name": "tikv-operator",
        "namespace": "tikv-operator-system",
    }


def test_crd_kustomization_lists_every_generated_crd() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "crd" / "Kustomization").read_text())
    assert sorted(kustomization["resources"]) == sorted(crd.file_name(d) for d in crd.all_crds())


def test_manager_runs_one_hardened_leader_elected_replica() -> None:
    deployment = _one(_build("default"), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert deployment["spec"]["replicas"] == 1
    assert container["args"] == ["run", "--leader-elect"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"metrics": 8080, "health": 8081}
    assert set(container["resources"]) == {"requests", "limits"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _rules(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [rule for o in objects if o["kind"] == kind for rule in o["rules"]]


def _accesses(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


CLUSTER_SCOPED = {("", "nodes"), ("storage.k8s.io", "storageclasses")}


def _build_in(namespace: str, directory: str, tmp_path: Path) -> list[dict[str, Any]]:
    """manifests/`directory` through an overlay that sets only the namespace, as a user's."""
    base = os.path.relpath(MANIFESTS / directory, tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"namespace": namespace, "resources": [base]})
    )
    return kustomize(tmp_path)


def _service_account_subjects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        subject
        for o in objects
        if o["kind"] in ("RoleBinding", "ClusterRoleBinding")
        for subject in o["subjects"]
    ]


def test_every_status_write_is_a_patch() -> None:
    rules = _one(_build("rbac"), "ClusterRole")["rules"]
    for plural in FIVE_KINDS:
        assert _grants(rules, "core.tikv.org", f"{plural}/status") == {"patch"}


def test_update_is_granted_only_where_the_operator_puts_whole_objects() -> None:
    # A PD's rolling update and a renumbered ControllerRevision are PUTs carrying the
    # resourceVersion decided on, leader election PUTs its Lease, and the owner-reference
    # admission check asks for update on the owners' finalizers; everything else is a patch.
    updated = {
        (group, resource)
        for group, resource, verb in _accesses(_one(_build("rbac"), "ClusterRole")["rules"])
        if verb == "update"
    }
    finalizers = {("core.tikv.org", f"{p}/finalizers") for p in FIVE_KINDS - {"clusters"}}
    assert updated == {
        ("core.tikv.org", "pds"),
        ("apps", "controllerrevisions"),
        ("coordination.k8s.io", "leases"),
        *finalizers,
    }


def test_configmaps_and_services_are_applied_and_never_deleted() -> None:
    rules = _one(_build("rbac"), "ClusterRole")["rules"]
    for resource in ("configmaps", "services"):
        # Server-side apply is a patch, authorized as create too when it creates; the garbage
        # collector deletes them with their owner.
        assert _grants(rules, "", resource) == {"list", "watch", "create", "patch"}


def test_events_are_written_through_events_k8s_io_only() -> None:
    rules = _one(_build("rbac"), "ClusterRole")["rules"]
    assert _grants(rules, "", "events") == set()
    assert _grants(rules, "events.k8s.io", "events") == {"create", "patch"}


def test_rbac_reads_nodes_from_a_watch_and_never_writes_them() -> None:
    for directory in ("rbac", "rbac/namespaced"):
        verbs = set().union(
            *(_grants(r["rules"], "", "nodes") for r in _build(directory) if r.get("rules"))
        )
        assert verbs == {"list", "watch"}


def test_rbac_reads_storage_classes_to_expand_volumes() -> None:
    for directory in ("rbac", "rbac/namespaced"):
        roles = [o for o in _build(directory) if o["kind"] == "ClusterRole"]
        verbs = set().union(
            *(_grants(r["rules"], "storage.k8s.io", "storageclasses") for r in roles)
        )
        assert verbs == {"get"}


def test_rbac_grants_nothing_beyond_its_resources() -> None:
    for directory in ("rbac", "rbac/namespaced"):
        for role in (o for o in _build(directory) if o.get("rules")):
            for rule in role["rules"]:
                assert "*" not in rule["verbs"] and "*" not in rule["resources"], rule
                assert "resourceNames" not in rule, rule
    rules = _one(_build("rbac"), "ClusterRole")["rules"]
    assert {g for rule in rules for g in rule["apiGroups"]} == {
        "core.tikv.org",
        "",
        "apps",
        "events.k8s.io",
        "coordination.k8s.io",
        "storage.k8s.io",
    }


def test_namespaced_rbac_grants_what_the_cluster_role_does_split_by_scope() -> None:
    """The Role is the ClusterRole for namespaced kinds and the small ClusterRole the rest,
    so the audit-log comparison of the ClusterRole (tests/e2e/test_rbac.py) holds for both."""
    whole = _accesses(_one(_build("rbac"), "ClusterRole")["rules"])
    objects = _build("rbac/namespaced")
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "ClusterRole"] == [
        "tikv-operator-nodes"
    ]
    assert _accesses(_rules(objects, "Role")) == {
        a for a in whole if (a[0], a[1]) not in CLUSTER_SCOPED
    }
    assert _accesses(_rules(objects, "ClusterRole")) == {
        a for a in whole if (a[0], a[1]) in CLUSTER_SCOPED
    }


@pytest.mark.parametrize("directory", ["default", "namespaced"])
def test_the_install_namespace_reaches_every_binding_subject(
    directory: str, tmp_path: Path
) -> None:
    objects = _build_in("elsewhere", directory, tmp_path)
    assert _one(objects, "ServiceAccount")["metadata"]["namespace"] == "elsewhere"
    subjects = _service_account_subjects(objects)
    assert subjects and all(
        s == {"kind": "ServiceAccount", "name": "tikv-operator", "namespace": "elsewhere"}
        for s in subjects
    )


def test_namespaced_install_watches_only_its_own_namespace() -> None:
    objects = _build("namespaced")
    # The ClusterRole is the read-only one for Nodes and StorageClasses.
    assert _kinds(objects) == _kinds_of_an_install(
        "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"
    )
    for kind in ("Deployment", "ServiceAccount", "Role", "RoleBinding"):
        assert _one(objects, kind)["metadata"]["namespace"] == "tikv"
    (container,) = _one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("valueFrom") for e in container["env"]}
    own_namespace = {"fieldRef": {"fieldPath": "metadata.namespace"}}
    # TIKV_OPERATOR_NAMESPACE is --namespace (tikv_operator/cmd/run.py); POD_NAMESPACE places
    # the leader-election Lease.
    assert env == {"TIKV_OPERATOR_NAMESPACE": own_namespace, "POD_NAMESPACE": own_namespace}
    assert container["args"] == ["run", "--leader-elect"]
