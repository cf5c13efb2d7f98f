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


def test_default_install_has_crds_rbac_and_manager_in_one_namespace() -> None:
    objects = _build("default")
    assert sorted(o["kind"] for o in objects) == [
        "ClusterRole",
        "ClusterRoleBinding",
        *["CustomResourceDefinition"] * 5,
        "Deployment",
        "Namespace",
        "Service",
        "ServiceAccount",
    ]
    for kind in ("Deployment", "Service", "ServiceAccount"):
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


@pytest.mark.parametrize(
    ("directory", "kind"), [("rbac", "ClusterRole"), ("rbac/namespaced", "Role")]
)
def test_rbac_grants_what_the_controllers_use(directory: str, kind: str) -> None:
    rules = _one(_build(directory), kind)["rules"]
    for plural in FIVE_KINDS:
        assert "watch" in _grants(rules, "core.tikv.org", plural)
        assert "update" in _grants(rules, "core.tikv.org", f"{plural}/status")
    for resource in ("pods", "persistentvolumeclaims", "configmaps", "services"):
        assert {"create", "delete", "watch"} <= _grants(rules, "", resource)
    assert {"create", "patch", "delete", "watch"} <= _grants(rules, "apps", "controllerrevisions")
    assert "create" in _grants(rules, "", "events")
    assert "create" in _grants(rules, "events.k8s.io", "events")
    assert {"get", "create", "update"} <= _grants(rules, "coordination.k8s.io", "leases")


def test_rbac_reads_nodes_but_never_writes_them() -> None:
    for directory in ("rbac", "rbac/namespaced"):
        roles = [o for o in _build(directory) if o["kind"] == "ClusterRole"]
        verbs = set().union(*(_grants(role["rules"], "", "nodes") for role in roles))
        assert verbs == {"get", "list", "watch"}


def test_rbac_grants_nothing_beyond_its_resources() -> None:
    rules = _one(_build("rbac"), "ClusterRole")["rules"]
    assert all("*" not in rule["verbs"] and "*" not in rule["resources"] for rule in rules)
    assert {g for rule in rules for g in rule["apiGroups"]} == {
        "core.tikv.org",
        "",
        "apps",
        "events.k8s.io",
        "coordination.k8s.io",
        "storage.k8s.io",
    }


def test_rbac_reads_storage_classes_to_expand_volumes() -> None:
    for directory in ("rbac", "rbac/namespaced"):
        roles = [o for o in _build(directory) if o["kind"] == "ClusterRole"]
        verbs = set().union(
            *(_grants(r["rules"], "storage.k8s.io", "storageclasses") for r in roles)
        )
        assert verbs == {"get"}


def test_namespaced_install_keeps_everything_in_one_namespace_and_watches_only_it() -> None:
    objects = _build("namespaced")
    assert sorted(o["kind"] for o in objects) == [
        "ClusterRole",
        "ClusterRoleBinding",
        *["CustomResourceDefinition"] * 5,
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]
    for kind in ("Deployment", "Service", "ServiceAccount", "Role", "RoleBinding"):
        assert _one(objects, kind)["metadata"]["namespace"] == "tikv"
    (container,) = _one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["TIKV_OPERATOR_NAMESPACE"]["valueFrom"] == {
        "fieldRef": {"fieldPath": "metadata.namespace"}
    }
    # The one ClusterRole only reads Nodes and StorageClasses.
    (rules,) = [o["rules"] for o in objects if o["kind"] == "ClusterRole"]
    assert {r for rule in rules for r in rule["resources"]} == {"nodes", "storageclasses"}


def _overlay(tmp_path: Path, base: str, namespace: str) -> list[dict[str, Any]]:
    # kustomize takes only relative paths to other kustomizations.
    relative = Path(os.path.relpath(MANIFESTS / base, tmp_path))
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"namespace": namespace, "resources": [str(relative)]})
    )
    return kustomize(tmp_path)


@pytest.mark.parametrize("base", ["default", "namespaced"])
def test_an_overlay_moving_the_install_to_another_namespace_moves_every_binding(
    tmp_path: Path, base: str
) -> None:
    objects = _overlay(tmp_path, base, "team-a")
    bindings = [o for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")]
    assert bindings
    for binding in bindings:
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "tikv-operator", "namespace": "team-a"}
        ]
    assert _one(objects, "Deployment")["metadata"]["namespace"] == "team-a"
