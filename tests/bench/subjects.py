"""The operators the fleet bench can measure, and what differs between them.

Each subject says how to start its operator out of cluster against the local control plane,
which objects make one cluster of 3 PD + 3 TiKV, how to point its PD client at the cluster's
simulated PD, and which objects say "Ready". The bench itself only counts through names
both operators share: controller-runtime's metrics (`rest_client_requests_total`,
`controller_runtime_reconcile_*`, `workqueue_depth`) and the groups' `Ready` condition and
`status.readyReplicas`.

tidb-operator v2 (`TIDB_OPERATOR_V2`) runs from the binary `hack/build-binaries.sh
tidb-operator-v2` builds into the cache; the facts it needs out of cluster are in
../shared/third_party/tidb-operator/README.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hack.localcluster import REPO, cache_dir, read_versions

Doc = dict[str, Any]


@dataclass(frozen=True)
class Launch:
    """Where the operator's process listens and what it serves."""

    kubeconfig: Path
    metrics_port: int
    probe_port: int
    pd_urls: dict[str, str]
    """PD URL by "namespace/cluster"."""
    restart: bool
    """A second start on the same control plane (v2 must then skip its CRD management)."""
    leader_elect: bool = False
    """Ours only: v2 out of cluster has no namespace to hold its lease in."""
    pd_poll_interval: str | None = None
    """Ours only: v2 polls PD every 30 s, hard-coded."""
    log_format: str = "json"


@dataclass(frozen=True)
class Subject:
    name: str
    group: str
    """API group of its kinds."""
    cluster: str
    pd_group: str
    tikv_group: str
    sim_objects: str
    """`tests.bench.pdfleet --objects`: whose Pods the simulator follows."""
    installs_crds: bool
    """It installs its CRDs itself at start-up (the bench then waits for them)."""
    objects: Callable[[str, int, int], list[Doc]]
    """(namespace, pd replicas, tikv replicas) -> Cluster, PDGroup, TiKVGroup."""
    argv: Callable[[Launch, Sequence[str]], list[str]]
    """(launch, extra args) -> the operator's command line."""
    pd_status: Callable[[str], Doc] | None = None
    """A status patch pointing the Cluster at a PD URL, made before its PDGroup exists (v2
    has no flag for it); None when the operator is told by flag."""
    has_cluster_ready: bool = True
    """Its Cluster has a `Ready` (ours) that PD + TiKV alone can reach."""

    @property
    def version(self) -> str:
        return "v1alpha1"

    def plural_path(self, namespace: str, plural: str) -> str:
        return f"/apis/{self.group}/{self.version}/namespaces/{namespace}/{plural}"


# ---- ours -------------------------------------------------------------------------------

EXAMPLE = REPO / "examples" / "basic"


def ours_objects(namespace: str, pd: int, tikv: int) -> list[Doc]:
    """examples/basic in `namespace`, with the group replicas asked for."""
    docs: list[Doc] = []
    for name in ("cluster.yaml", "pd-group.yaml", "tikv-group.yaml"):
        for doc in yaml.safe_load_all((EXAMPLE / name).read_text()):
            if not doc:
                continue
            doc.setdefault("metadata", {})["namespace"] = namespace
            if doc["kind"] == "PDGroup":
                doc["spec"]["replicas"] = pd
            elif doc["kind"] == "TiKVGroup":
                doc["spec"]["replicas"] = tikv
            docs.append(doc)
    return docs


def ours_argv(launch: Launch, extra: Sequence[str]) -> list[str]:
    console_script = Path(sys.executable).parent / "tikv-operator"
    argv = (
        [str(console_script)]
        if console_script.exists()
        else [sys.executable, "-m", "tikv_operator.cli"]
    )
    argv += [
        "run",
        f"--kubeconfig={launch.kubeconfig}",
        f"--metrics-bind-address=127.0.0.1:{launch.metrics_port}",
        f"--health-probe-bind-address=127.0.0.1:{launch.probe_port}",
    ]
    argv.append(f"--log-format={launch.log_format}")
    if launch.leader_elect:
        argv += ["--leader-elect", "--leader-election-namespace=default"]
    else:
        argv.append("--no-leader-elect")
    if launch.pd_poll_interval:
        argv.append(f"--pd-poll-interval={launch.pd_poll_interval}")
    argv += [f"--pd-url-override={key}={url}" for key, url in launch.pd_urls.items()]
    return argv + list(extra)


TIKV_OPERATOR = Subject(
    name="tikv-operator",
    group="core.tikv.org",
    cluster="basic",
    pd_group="basic",
    tikv_group="basic",
    sim_objects="tikv-operator",
    installs_crds=False,
    objects=ours_objects,
    argv=ours_argv,
)


# ---- tidb-operator v2 -------------------------------------------------------------------

V2_VERSION = "v8.5.1"  # the same PD/TiKV version as examples/basic: the simulator reports it


def v2_binary() -> Path:
    version = read_versions()["TIDB_OPERATOR_V2_VERSION"]
    return cache_dir() / "bin" / f"tidb-operator-v{version}" / "tidb-operator"


def _v2_group(kind: str, name: str, component: str, replicas: int, storage: str) -> Doc:
    return {
        "apiVersion": "core.pingcap.com/v1alpha1",
        "kind": kind,
        "metadata": {
            "name": name,
            "labels": {
                "pingcap.com/group": name,
                "pingcap.com/component": component,
                "pingcap.com/cluster": "basic",
            },
        },
        "spec": {
            "cluster": {"name": "basic"},
            "replicas": replicas,
            "template": {
                "spec": {
                    "version": V2_VERSION,
                    "volumes": [{"name": "data", "mounts": [{"type": "data"}], "storage": storage}],
                }
            },
        },
    }


def v2_objects(namespace: str, pd: int, tikv: int) -> list[Doc]:
    """v2's examples/basic (Cluster, PDGroup `pd`, TiKVGroup `tikv`) without TiDB, with the
    same versions and volumes as ours."""
    docs = [
        {
            "apiVersion": "core.pingcap.com/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": "basic"},
            "spec": {},
        },
        _v2_group("PDGroup", "pd", "pd", pd, "20Gi"),
        _v2_group("TiKVGroup", "tikv", "tikv", tikv, "100Gi"),
    ]
    for doc in docs:
        doc["metadata"]["namespace"] = namespace
    return docs


def v2_argv(launch: Launch, extra: Sequence[str]) -> list[str]:
    argv = [
        str(v2_binary()),
        f"--kubeconfig={launch.kubeconfig}",
        # Its default is true, and out of cluster it has no namespace to hold the lease in.
        "--leader-elect=false",
        f"--metrics-bind-address=127.0.0.1:{launch.metrics_port}",
        f"--health-probe-bind-address=127.0.0.1:{launch.probe_port}",
    ]
    if launch.restart:
        # A build from the archive says "(devel)", which its CRD version check refuses.
        argv.append("--skip-crds-management")
    return argv + list(extra)


def v2_pd_status(url: str) -> Doc:
    # `id` is required by its schema; v2 fills it in from PD.
    return {"status": {"pd": url, "id": ""}}


TIDB_OPERATOR_V2 = Subject(
    name="tidb-operator-v2",
    group="core.pingcap.com",
    cluster="basic",
    pd_group="pd",
    tikv_group="tikv",
    sim_objects="tidb-operator-v2",
    installs_crds=True,
    objects=v2_objects,
    argv=v2_argv,
    pd_status=v2_pd_status,
    # Its Cluster's Available needs a TiDBGroup: PD + TiKV are judged by their groups.
    has_cluster_ready=False,
)

SUBJECTS = {s.name: s for s in (TIKV_OPERATOR, TIDB_OPERATOR_V2)}
