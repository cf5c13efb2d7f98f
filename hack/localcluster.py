"""A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (playing the kubelet for fake nodes).

Used by the pytest fixtures (in-process, torn down with the session) and by
`make cluster-up` / `make cluster-down` / `make dev` (detached, state in .local/).
Every process is started in its own session and stopped by PID, never by name.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hack import procnode
from hack.provisioner import storage_class

REPO = Path(__file__).resolve().parent.parent
VERSIONS_FILE = REPO / "hack" / "versions.sh"
LOCAL_DIR = REPO / ".local"
STATE_FILE = LOCAL_DIR / "cluster.json"
ADMIN_USER = "admin"
ZONES = ("zone-a", "zone-b", "zone-c")
STARTUP_TIMEOUT = 120.0
STOP_GRACE = 10.0

AUDIT_POLICY = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    # One event per request once its answer is known (ResponseStarted too for watches, which
    # complete only when they end), with no bodies: enough to tell who did what to which
    # resource, at little cost. Only ServiceAccounts are logged: every other client of the
    # local control plane (controller-manager, scheduler, kwok, the tests, the simulator)
    # authenticates as the admin, so the log holds just the operator under its RBAC.
    "omitStages": ["RequestReceived"],
    "rules": [
        {"level": "Metadata", "userGroups": ["system:serviceaccounts"]},
        {"level": "None"},
    ],
}


class ControlPlaneError(RuntimeError):
    """The control plane could not be built, started or reached."""


def read_versions(path: Path = VERSIONS_FILE) -> dict[str, str]:
    versions: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            versions[key] = value
    return versions


def cache_dir() -> Path:
    return Path(os.environ.get("TIKV_OPERATOR_CACHE", Path.home() / ".cache" / "tikv-operator"))


STORESTUB_DIR = REPO / "hack" / "storestub"


def storestub_key(source: Path = STORESTUB_DIR) -> str:
    """The key hack/build-binaries.sh builds the store stub under: the first 12 hex digits
    of the sha256 of go.mod, go.sum and the Go files in name order, so an edited stub is a
    new binary."""
    files = [source / "go.mod", source / "go.sum", *sorted(source.glob("*.go"))]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]


NODE_ANNOTATION = "kwok.x-k8s.io/node"
NODE_MANAGED = "fake"
"""The main kwok plays the kubelet of the nodes with this annotation value."""


def node_body(name: str, zone: str, managed_by: str = NODE_MANAGED) -> dict[str, Any]:
    """A fake Node for kwok: `managed_by` is the value of its NODE_ANNOTATION."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION: managed_by},
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
            },
        },
        "status": {
            "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
            "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
        },
    }


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kwok: Path
    pd_server: Path
    prometheus: Path
    promtool: Path
    storestub: Path

    @classmethod
    def from_cache(cls, root: Path | None = None) -> Binaries:
        v = read_versions()
        bin_dir = (root or cache_dir()) / "bin"
        k8s = bin_dir / f"kubernetes-v{v['K8S_VERSION']}"
        return cls(
            etcd=bin_dir / f"etcd-v{v['ETCD_VERSION']}" / "etcd",
            kube_apiserver=k8s / "kube-apiserver",
            kube_controller_manager=k8s / "kube-controller-manager",
            kube_scheduler=k8s / "kube-scheduler",
            kwok=bin_dir / f"kwok-v{v['KWOK_VERSION']}" / "kwok",
            pd_server=bin_dir / f"pd-v{v['PD_VERSION']}" / "pd-server",
            prometheus=bin_dir / f"prometheus-v{v['PROMETHEUS_VERSION']}" / "prometheus",
            promtool=bin_dir / f"prometheus-v{v['PROMETHEUS_VERSION']}" / "promtool",
            storestub=bin_dir / f"storestub-{storestub_key()}" / "storestub",
        )

    def require_control_plane(self) -> None:
        needed = [self.etcd, self.kube_apiserver, self.kube_controller_manager]
        needed += [self.kube_scheduler, self.kwok]
        missing = [str(p) for p in needed if not os.access(p, os.X_OK)]
        if missing:
            raise ControlPlaneError(
                "control-plane binaries are missing: "
                + ", ".join(missing)
                + "\nbuild them with `make binaries` (cached under ~/.cache/tikv-operator/bin)"
            )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # In-process (pytest) mode: if the test runner is killed outright, take the control
    # plane with it instead of leaving orphans bound to loopback ports.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class Component:
    name: str
    argv: list[str]
    pid: int = 0


@dataclass
class LocalCluster:
    """One control plane rooted at `workdir` (certs, etcd data, logs, kubeconfig)."""

    workdir: Path
    nodes: int = 6
    process_nodes: int = 0
    """Nodes whose Pods really run (hack.procnode), besides the kwok nodes."""
    binaries: Binaries = field(default_factory=Binaries.from_cache)
    detached: bool = False
    etcd_port: int = 0
    apiserver_port: int = 0
    token: str = ""
    components: list[Component] = field(default_factory=list)

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.apiserver_port}"

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "pki" / "ca.crt"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    @property
    def audit_log(self) -> Path:
        """The API server's audit log: one JSON event per line, ServiceAccount requests only
        (AUDIT_POLICY)."""
        return self.log_dir / "audit.log"

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self.binaries.require_control_plane()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        self.etcd_port, self.apiserver_port = free_port(), free_port()
        self.token = os.urandom(16).hex()
        try:
            self._write_pki()
            self._write_kubeconfig()
            self._spawn("etcd", self._etcd_argv())
            self._wait_http(f"http://127.0.0.1:{self.etcd_port}/health", "etcd")
            self._spawn("kube-apiserver", self._apiserver_argv())
            self._wait_http(f"{self.server}/readyz", "kube-apiserver")
            self._spawn("kube-controller-manager", self._controller_manager_argv())
            self._spawn("kube-scheduler", self._scheduler_argv())
            self._spawn("kwok", self._kwok_argv())
            self._create_storage_class()
            self._spawn("provisioner", self._provisioner_argv())
            self._create_nodes()
            self._wait_nodes_ready()
            if self.process_nodes:
                self.start_process_nodes(self.process_nodes)
        except BaseException:
            self.stop()
            raise

    @property
    def hosts_file(self) -> Path:
        """The cluster DNS of the process nodes: bind it over /etc/hosts (hack.procnode.sandbox)
        and the names of Services and Pods resolve."""
        return self.workdir / "procnode" / "hosts"

    def process_node_names(self, count: int) -> list[str]:
        return [f"proc-{i}" for i in range(count)]

    def start_process_nodes(self, count: int) -> list[str]:
        """Starts the process kubelet for `count` nodes over the zones (registering them) and
        waits for them to be Ready; returns their names."""
        for what, path in (("pd-server", self.binaries.pd_server),
                           ("the store stub", self.binaries.storestub)):  # fmt: skip
            if not os.access(path, os.X_OK):
                raise ControlPlaneError(f"{what} is missing: {path}\nbuild it with `make binaries`")
        names = self.process_node_names(count)
        # A /24 of its own in 127.0.0.0/8: another control plane on this machine (another
        # test run) picks another one, and their members never collide on a port.
        network = f"127.{random.randint(100, 250)}.{random.randint(0, 255)}.0/24"
        argv = [
            sys.executable, "-m", "hack.procnode",
            f"--kubeconfig={self.kubeconfig}",
            f"--workdir={self.workdir / 'procnode'}",
            f"--hosts-file={self.hosts_file}",
            f"--pod-network={network}",
            f"--binary=pd={self.binaries.pd_server}",
            # TiKV Pods run the store stub, which takes tikv-server's command line.
            f"--binary=tikv={self.binaries.storestub}",
            *(f"--node={n}:{ZONES[i % len(ZONES)]}" for i, n in enumerate(names)),
        ]  # fmt: skip
        self._spawn("procnode", argv)
        self._wait_named_nodes_ready(names, "procnode")
        return names

    def stop_process_nodes(self) -> None:
        """Stops the process kubelet (its processes die with it) and deletes its nodes."""
        for comp in [c for c in self.components if c.name == "procnode"]:
            _terminate(comp.pid)
            self.components.remove(comp)
        with self.api() as api:
            selector = f"{procnode.NODE_KIND_LABEL}={procnode.NODE_MANAGED}"
            for node in api.get("/api/v1/nodes", params={"labelSelector": selector}).json()[
                "items"
            ]:
                api.delete(f"/api/v1/nodes/{node['metadata']['name']}")

    def stop(self) -> None:
        """Stops every component by PID, last started first, escalating to SIGKILL."""
        for comp in reversed(self.components):
            _terminate(comp.pid)
        self.components.clear()

    def pids(self) -> list[int]:
        return [c.pid for c in self.components]

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            raise ControlPlaneError("kubectl is not on PATH")
        done = subprocess.run(
            [kubectl, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise ControlPlaneError(
                f"kubectl {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}"
            )
        return done

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server,
            verify=self._tls(),
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10.0,
        )

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    # ---- state for detached mode ---------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        return {
            "workdir": str(self.workdir),
            "etcd_port": self.etcd_port,
            "apiserver_port": self.apiserver_port,
            "token": self.token,
            "components": [{"name": c.name, "pid": c.pid} for c in self.components],
        }

    @classmethod
    def from_state(cls, state: dict[str, object]) -> LocalCluster:
        comps = state["components"]
        assert isinstance(comps, list)
        return cls(
            workdir=Path(str(state["workdir"])),
            etcd_port=int(str(state["etcd_port"])),
            apiserver_port=int(str(state["apiserver_port"])),
            token=str(state["token"]),
            components=[Component(c["name"], [], int(c["pid"])) for c in comps],
        )

    # ---- pieces ----------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
            preexec_fn=None if self.detached else _die_with_parent,
        )
        log.close()
        self.components.append(Component(name, argv, proc.pid))

    def _wait_http(self, url: str, name: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        headers = {"Authorization": f"Bearer {self.token}"}
        verify: ssl.SSLContext | bool = self._tls() if url.startswith("https") else False
        last = ""
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                r = httpx.get(url, headers=headers, verify=verify, timeout=2.0)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.HTTPError as e:
                last = str(e)
            time.sleep(0.2)
        raise ControlPlaneError(f"{name} not ready after {STARTUP_TIMEOUT}s: {last}")

    def _check_alive(self, name: str) -> None:
        comp = next(c for c in self.components if c.name == name)
        if not _alive(comp.pid):
            tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
            raise ControlPlaneError(f"{name} exited during start-up; log tail:\n{tail}")

    def _write_pki(self) -> None:
        pki = self.workdir / "pki"
        pki.mkdir(exist_ok=True)
        if (pki / "apiserver.crt").exists():
            return
        _openssl(pki, "genrsa", "-out", "ca.key", "2048")
        _openssl(pki, "req", "-x509", "-new", "-key", "ca.key", "-days", "3650",
                 "-subj", "/CN=local-ca", "-out", "ca.crt")  # fmt: skip
        _openssl(pki, "genrsa", "-out", "apiserver.key", "2048")
        _openssl(pki, "req", "-new", "-key", "apiserver.key", "-subj", "/CN=kube-apiserver",
            "-out", "apiserver.csr")  # fmt: skip
        (pki / "san.ext").write_text(
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,"
            "DNS:kubernetes.default,DNS:kubernetes.default.svc\n"
            "extendedKeyUsage=serverAuth\n"
        )
        _openssl(pki, "x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "3650", "-extfile", "san.ext",
            "-out", "apiserver.crt")  # fmt: skip
        _openssl(pki, "genrsa", "-out", "sa.key", "2048")
        _openssl(pki, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")

    def _write_kubeconfig(self) -> None:
        (self.workdir / "tokens.csv").write_text(
            f'{self.token},{ADMIN_USER},{ADMIN_USER},"system:masters"\n'
        )
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {"server": self.server, "certificate-authority": str(self.ca_file)},
                }
            ],
            "users": [{"name": ADMIN_USER, "user": {"token": self.token}}],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": ADMIN_USER}}],
            "current-context": "local",
        }
        # JSON is valid YAML, and kubectl and kubernetes-asyncio both read it.
        self.kubeconfig.write_text(json.dumps(config, indent=2))

    def _etcd_argv(self) -> list[str]:
        peer = free_port()
        client = f"http://127.0.0.1:{self.etcd_port}"
        return [
            str(self.binaries.etcd),
            "--name=local",
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=local=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]

    def _apiserver_argv(self) -> list[str]:
        pki = self.workdir / "pki"
        policy = self.workdir / "audit-policy.json"
        policy.write_text(json.dumps(AUDIT_POLICY, indent=2))
        return [
            str(self.binaries.kube_apiserver),
            f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.apiserver_port}",
            f"--cert-dir={pki}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--token-auth-file={self.workdir / 'tokens.csv'}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=RBAC",
            "--disable-admission-plugins=ServiceAccount",
            # As on clusters that enable it (OpenShift does): setting blockOwnerDeletion on an
            # owner reference needs update on the owner's finalizers, and changing the owner
            # references of an object needs delete on it. The operator's RBAC must allow both.
            "--enable-admission-plugins=OwnerReferencesPermissionEnforcement",
            f"--audit-policy-file={policy}",
            f"--audit-log-path={self.audit_log}",
            # Written as requests are answered (blocking, the log backend's default), so a test
            # reads every request made before it looks; large enough never to rotate in a run.
            "--audit-log-maxsize=1024",
            "--audit-log-maxbackup=1",
            "--allow-privileged=true",
            "--endpoint-reconciler-type=none",
            "--v=1",
        ]

    def _controller_manager_argv(self) -> list[str]:
        return [
            str(self.binaries.kube_controller_manager),
            f"--kubeconfig={self.kubeconfig}",
            # node-lifecycle lifts the not-ready taint the API server puts on new Nodes (and
            # taints Nodes whose kwok heartbeats stop, as a real cluster would, marking their
            # Pods not Ready), taint-eviction deletes the Pods that do not tolerate it; the volume
            # controllers bind claims to what hack.provisioner creates and guard in-use claims.
            "--controllers=garbage-collector-controller,namespace-controller,"
            "serviceaccount-controller,node-lifecycle-controller,taint-eviction-controller,"
            "persistentvolume-binder-controller,persistentvolumeclaim-protection-controller,"
            "persistentvolume-protection-controller",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            "--secure-port=0",
            "--concurrent-gc-syncs=5",
            "--v=1",
        ]

    def _scheduler_argv(self) -> list[str]:
        return [
            str(self.binaries.kube_scheduler),
            f"--kubeconfig={self.kubeconfig}",
            f"--authentication-kubeconfig={self.kubeconfig}",
            f"--authorization-kubeconfig={self.kubeconfig}",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            # A Pod found unschedulable (e.g. its PVC not bound yet by the provisioner) waits
            # for an event to be tried again, else 5 minutes; under load on a small machine
            # that event can be missed, and a scenario waits minutes for nothing.
            "--pod-max-in-unschedulable-pods-duration=10s",
            "--v=1",
        ]

    def _kwok_argv(self) -> list[str]:
        # Only nodes annotated as kwok's: a test runs its own kwok for a node it means to kill
        # (see kwok_argv), as a machine's kubelet dies with it.
        return self.kwok_argv(
            f"--manage-nodes-with-annotation-selector={NODE_ANNOTATION}={NODE_MANAGED}",
            "--cidr=10.244.0.0/16",
        )

    def kwok_argv(self, *which: str) -> list[str]:
        """A kwok playing the kubelet of the nodes `which` selects (a --manage-* flag), its
        Pods' IPs in the --cidr given."""
        return [
            str(self.binaries.kwok),
            f"--kubeconfig={self.kubeconfig}",
            *which,
            # With a Lease kwok renews every node's heartbeat every few seconds, as a kubelet
            # does; without one it only patches node status about once a minute.
            "--node-lease-duration-seconds=40",
            "--node-ip=127.0.0.1",
            "--v=INFO",
        ]

    def _provisioner_argv(self) -> list[str]:
        return [sys.executable, "-m", "hack.provisioner", f"--kubeconfig={self.kubeconfig}"]

    def _create_storage_class(self) -> None:
        # Created before start() returns: a claim made while no default StorageClass exists
        # gets no class and would never be provisioned.
        with self.api() as api:
            r = api.post("/apis/storage.k8s.io/v1/storageclasses", json=storage_class())
            if r.status_code not in (201, 409):
                raise ControlPlaneError(f"creating the StorageClass: {r.status_code} {r.text}")

    def _create_nodes(self) -> None:
        with self.api() as api:
            for i in range(self.nodes):
                body = node_body(f"node-{i}", ZONES[i % len(ZONES)])
                r = api.post("/api/v1/nodes", json=body)
                if r.status_code not in (201, 409):
                    raise ControlPlaneError(f"creating node node-{i}: {r.status_code} {r.text}")

    def _wait_nodes_ready(self) -> None:
        self._wait_named_nodes_ready([f"node-{i}" for i in range(self.nodes)], "kwok")

    def _wait_named_nodes_ready(self, names: list[str], kubelet: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        ready: set[str] = set()
        with self.api() as api:
            while time.monotonic() < deadline:
                self._check_alive(kubelet)
                items = api.get("/api/v1/nodes").json().get("items", [])
                ready = {n["metadata"]["name"] for n in items if _node_ready(n)}
                if ready >= set(names):
                    return
                time.sleep(0.3)
        raise ControlPlaneError(f"only {len(ready & set(names))}/{len(names)} nodes became Ready")


def _node_ready(node: dict[str, object]) -> bool:
    status = node.get("status")
    conditions = status.get("conditions", []) if isinstance(status, dict) else []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        waited = 0  # not our child (detached mode): fall back to a signal probe
    if waited == pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _terminate(pid: int) -> None:
    """SIGTERM the component's process group (its id is the PID), then SIGKILL if needed."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


@contextlib.contextmanager
def running(workdir: Path, nodes: int = 6, process_nodes: int = 0) -> Iterator[LocalCluster]:
    cluster = LocalCluster(workdir=workdir, nodes=nodes, process_nodes=process_nodes)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


# ---- make cluster-up / cluster-down -------------------------------------------------------


def up(nodes: int) -> LocalCluster:
    if STATE_FILE.exists():
        existing = LocalCluster.from_state(json.loads(STATE_FILE.read_text()))
        if all(_alive(p) for p in existing.pids()):
            print(f"already running; export KUBECONFIG={existing.kubeconfig}")
            return existing
        down()
    workdir = LOCAL_DIR / "cluster"
    shutil.rmtree(workdir, ignore_errors=True)
    cluster = LocalCluster(workdir=workdir, nodes=nodes, detached=True)
    cluster.start()
    STATE_FILE.write_text(json.dumps(cluster.to_state(), indent=2))
    shutil.copy(cluster.kubeconfig, LOCAL_DIR / "kubeconfig")
    print(f"control plane up at {cluster.server} with {nodes} kwok nodes")
    print(f"export KUBECONFIG={LOCAL_DIR / 'kubeconfig'}")
    return cluster


def down() -> None:
    if not STATE_FILE.exists():
        print("no local control plane is running")
        return
    cluster = LocalCluster.from_state(json.loads(STATE_FILE.read_text()))
    cluster.stop()
    STATE_FILE.unlink()
    (LOCAL_DIR / "kubeconfig").unlink(missing_ok=True)
    print("control plane stopped")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hack.localcluster")
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start the control plane in the background")
    p_up.add_argument("--nodes", type=int, default=6)
    sub.add_parser("down", help="stop it")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            up(args.nodes)
        else:
            down()
    except ControlPlaneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
