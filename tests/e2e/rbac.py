"""The operator's identity in the end-to-end tier: its ServiceAccount bound to the shipped RBAC,
a TokenRequest token in a kubeconfig of its own, and what the API server's audit log says it
did with it.

The RBAC objects are built from the manifests by kustomize, in an overlay that sets only the
namespace (as a user's overlay would): kustomize puts the ServiceAccount, the Role and the
RoleBinding there and fills in the namespace of the bindings' ServiceAccount subjects.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hack.localcluster import REPO, LocalCluster

MANIFESTS = REPO / "manifests"
SERVICE_ACCOUNT = "tikv-operator"
TOKEN_SECONDS = 24 * 3600  # longer than any session: the operator never re-reads it

Object = dict[str, Any]


@dataclass(frozen=True, order=True)
class Access:
    """One kind of request: a verb on a resource (`pods`, or `pods/status` for a
    subresource) of an API group (`""` for the core group)."""

    group: str
    resource: str
    verb: str

    def __str__(self) -> str:
        return f"{self.verb} {self.resource}.{self.group or 'core'}"


def overlay(directory: str, namespace: str, workdir: Path) -> Path:
    """A kustomization in `workdir` that puts manifests/`directory` in `namespace`."""
    workdir.mkdir(parents=True, exist_ok=True)
    base = os.path.relpath(MANIFESTS / directory, workdir)
    (workdir / "kustomization.yaml").write_text(
        yaml.safe_dump({"namespace": namespace, "resources": [base]})
    )
    return workdir


def build(directory: Path) -> list[Object]:
    done = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=True
    )
    return [o for o in yaml.safe_load_all(done.stdout) if o]


@dataclass(frozen=True)
class Identity:
    """The operator as its ServiceAccount: the kubeconfig it runs with, and the user name the
    API server (and its audit log) knows it by."""

    kubeconfig: Path
    user: str
    token: str  # the TokenRequest token the kubeconfig holds, for a Pod's token file
    objects: list[Object]  # the RBAC objects applied


def install(control_plane: LocalCluster, directory: str, namespace: str, workdir: Path) -> Identity:
    """Apply the RBAC of manifests/`directory` for the ServiceAccount in `namespace` (which
    must exist) and write a kubeconfig that authenticates as that ServiceAccount with a
    TokenRequest token."""
    kustomization = overlay(directory, namespace, workdir / "rbac")
    objects = build(kustomization)
    control_plane.kubectl("apply", "--server-side", "--field-manager=e2e", "-k", str(kustomization))
    with control_plane.api() as api:
        answer = api.post(
            f"/api/v1/namespaces/{namespace}/serviceaccounts/{SERVICE_ACCOUNT}/token",
            json={
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"expirationSeconds": TOKEN_SECONDS},
            },
        )
        answer.raise_for_status()
    token = answer.json()["status"]["token"]
    config = json.loads(control_plane.kubeconfig.read_text())
    user = username(namespace)
    config["users"] = [{"name": user, "user": {"token": token}}]
    for context in config["contexts"]:
        context["context"]["user"] = user
    target = workdir / "operator.kubeconfig"
    target.write_text(json.dumps(config, indent=2))
    return Identity(target, user, token, objects)


def username(namespace: str) -> str:
    """The user the API server sees for the operator's ServiceAccount in `namespace`."""
    return f"system:serviceaccount:{namespace}:{SERVICE_ACCOUNT}"


# ---- granted --------------------------------------------------------------------------------


def grants(rules: Iterable[Object]) -> set[Access]:
    """Every (group, resource, verb) the rules allow; they must name each one (no `*`)."""
    out: set[Access] = set()
    for rule in rules:
        for part in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule.get(part, ()), f"a wildcard in {part}: {rule}"
        assert not rule.get("resourceNames"), f"resourceNames are not handled here: {rule}"
        out |= {
            Access(group, resource, verb)
            for group in rule["apiGroups"]
            for resource in rule["resources"]
            for verb in rule["verbs"]
        }
    return out


def granted(objects: Iterable[Object], *kinds: str) -> set[Access]:
    """What the (Cluster)Roles of these kinds among `objects` grant together."""
    return set().union(*(grants(o["rules"]) for o in objects if o["kind"] in kinds))


# ---- used -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    access: Access
    namespace: str
    name: str
    code: int
    uri: str
    message: str  # the API server's, when it refused


def audit_events(path: Path, offset: int = 0) -> Iterator[Object]:
    """The events of the audit log at `path` from byte `offset` on (the API server is told
    never to rotate it within a run)."""
    if not path.exists():
        return
    with path.open("rb") as log:
        log.seek(offset)
        for line in log:
            if not line.endswith(b"\n"):
                return  # being written as we read
            if line.strip():
                yield json.loads(line)


def audit_size(path: Path) -> int:
    """Where the audit log ends now: an offset for `audit_events`."""
    return path.stat().st_size if path.exists() else 0


def requests_of(events: Iterable[Object], user: str) -> list[Request]:
    """The resource requests `user` made, one per request (a watch is logged when it starts
    and again when it ends). A patch that created its object (server-side apply, answered 201)
    counts as a create too: the API server authorizes it as both."""
    seen: set[str] = set()
    out = []
    for event in events:
        ref = event.get("objectRef")
        if event["user"]["username"] != user or ref is None or event["auditID"] in seen:
            continue
        seen.add(event["auditID"])
        resource = ref["resource"] + (f"/{ref['subresource']}" if ref.get("subresource") else "")
        status = event.get("responseStatus") or {}
        code = int(status.get("code", 0))
        verbs = [event["verb"]]
        if event["verb"] == "patch" and code == 201:
            verbs.append("create")
        out += [
            Request(
                Access(ref.get("apiGroup", ""), resource, verb),
                ref.get("namespace", ""),
                ref.get("name", ""),
                code,
                event["requestURI"],
                str(status.get("message", "")),
            )
            for verb in verbs
        ]
    return out


def forbidden(requests: Iterable[Request]) -> list[Request]:
    """The requests the API server refused for want of a grant."""
    return [r for r in requests if r.code == 403]
