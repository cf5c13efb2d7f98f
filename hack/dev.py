"""`make dev`: the operator's main job on an embedded local control plane.

Starts the local control plane (kube-apiserver, etcd, controller-manager, scheduler, kwok),
applies the CRDs, starts the PD simulator following the PD/TiKV Pods of the namespace, runs
the operator out of cluster (`--pd-url-override` and `--tikv-status-url-override` point it
at the simulator), applies examples/basic and prints `kubectl get` progress until the
Cluster is Ready and Available.
Then it stays up until Ctrl-C and stops everything it started, by PID.

`--exit-when-ready` (or DEV_EXIT_WHEN_READY=1) stops as soon as the Cluster is Ready, so a
test can prove `make dev` gets there.

`--real-pd` (make dev ARGS=--real-pd) runs the Pods on process nodes (hack.procnode)
instead of the simulator: the PD members as real pd-server processes, the TiKV stores as
the store stub (hack/storestub) against them; the operator reaches PD by the Service URL it
derives, through the nodes' hosts file.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

from hack import procnode
from hack.localcluster import REPO, ControlPlaneError, LocalCluster, free_port
from hack.procnode.sandbox import with_hosts

DEV_DIR = REPO / ".local" / "dev"
CLUSTER_NAME = "basic"
EXAMPLE = REPO / "examples" / "basic"
PROCESS_NODES = 3
OPERATOR = [sys.executable, "-m", "tikv_operator.cmd.cli"]


# ---- processes ---------------------------------------------------------------------------


def _die_with_parent() -> None:
    # Children live in their own session (so a Ctrl-C reaches only us, and we stop them in
    # order); should we die without cleaning up, the kernel takes them with us.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class Process:
    """A child process in its own session, with its output in a log file."""

    name: str
    argv: list[str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str] | None = None, *, inherit_env: bool = True) -> Process:
        """Start it with `env` on top of ours, or (inherit_env=False) with `env` alone."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                start_new_session=True,
                env={**(os.environ if inherit_env else {}), **(env or {})},
                preexec_fn=_die_with_parent,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, "start() first"
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
        if self.popen is None:
            return None
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
        return self.popen.wait()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


def simulator_process(port: int, namespace: str, kubeconfig: Path, log_dir: Path,
                      *extra: str) -> Process:  # fmt: skip
    argv = [sys.executable, "-m", "hack.pdsim", "--port", str(port)]
    argv += ["--follow-namespace", namespace, "--kubeconfig", str(kubeconfig), *extra]
    return Process("pdsim", argv, log_dir / "pdsim.log")


def operator_process(
    kubeconfig: Path,
    namespace: str,
    pd_url: str | None,
    probe_port: int,
    log_dir: Path,
    *extra: str,
    cluster: str = CLUSTER_NAME,
    namespace_flag: bool = True,
) -> Process:
    """The operator watching `namespace`: named by --namespace, or (namespace_flag=False) by
    the environment the process is started with (TIKV_OPERATOR_NAMESPACE). With a `pd_url`
    (the simulator's) it talks to PD and the stores' status ports there; without one, at the
    addresses it derives (real PD, reached through the process nodes' hosts file)."""
    overrides = [
        f"--pd-url-override={namespace}/{cluster}={pd_url}",
        # The simulator serves every store's status API (online config) under its address.
        f"--tikv-status-url-override={namespace}/{cluster}={pd_url}/tikv",
    ]
    argv = [
        *OPERATOR,
        "run",
        f"--kubeconfig={kubeconfig}",
        *([f"--namespace={namespace}"] if namespace_flag else []),
        "--no-leader-elect",
        *(overrides if pd_url else []),
        "--metrics-bind-address=127.0.0.1:0",
        f"--health-probe-bind-address=127.0.0.1:{probe_port}",
        *extra,
    ]
    return Process("operator", argv, log_dir / "operator.log")


def wait_http_ok(url: str, process: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if not process.alive():
            raise ControlPlaneError(f"{process.name} exited:\n{process.log_tail()}")
        try:
            r = httpx.get(url, timeout=2.0)
            if r.status_code == 200:
                return
            last = f"{r.status_code} {r.text[:300]}"
        except httpx.HTTPError as e:
            last = str(e)
        time.sleep(0.2)
    raise ControlPlaneError(f"{process.name}: {url} not ready after {timeout}s: {last}")


def merge_into(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """Merge `extra` into `base`, recursively for nested objects (lists are replaced)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_into(base[key], value)
        else:
            base[key] = value


def example_on_process_nodes(
    cluster: LocalCluster,
    target: Path,
    pd_spec: dict[str, Any] | None = None,
    tikv_spec: dict[str, Any] | None = None,
    tikv_replicas: int | None = None,
) -> Path:
    """examples/basic as one List in `target`, every Pod on the process nodes: `pd_spec` and
    `tikv_spec` merged into the groups' template specs, the TiKVGroup's replicas replaced by
    `tikv_replicas` if given."""
    items = []
    for name in ("cluster.yaml", "pd-group.yaml", "tikv-group.yaml"):
        path = str(EXAMPLE / name)
        doc = json.loads(
            cluster.kubectl("create", "--dry-run=client", "-o", "json", "-f", path).stdout
        )
        if doc["kind"] == "PDGroup":
            merge_into(doc["spec"]["template"]["spec"], {**procnode.placement(), **(pd_spec or {})})
        if doc["kind"] == "TiKVGroup":
            template = doc["spec"]["template"]["spec"]
            merge_into(template, {**procnode.placement(), **(tikv_spec or {})})
            if tikv_replicas is not None:
                doc["spec"]["replicas"] = tikv_replicas
        # kubectl filled in its context's namespace; the caller applies to its own.
        doc["metadata"].pop("namespace", None)
        items.append(doc)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return target


# ---- make dev ------------------------------------------------------------------------------


def conditions_of(cluster: LocalCluster, kind: str, namespace: str) -> dict[str, str] | None:
    done = cluster.kubectl("get", kind, CLUSTER_NAME, "-n", namespace, "-o", "json", check=False)
    if done.returncode != 0:
        return None
    status = json.loads(done.stdout).get("status") or {}
    return {c["type"]: c["status"] for c in status.get("conditions") or []}


def cluster_state(cluster: LocalCluster, namespace: str) -> tuple[bool, str]:
    """(Ready and Available, a one-line summary) of the Cluster."""
    conds = conditions_of(cluster, "tc", namespace)
    if conds is None:
        return False, "Cluster not found"
    ready = conds.get("Ready") == "True" and conds.get("Available") == "True"
    return ready, " ".join(f"{k}={v}" for k, v in sorted(conds.items()))


async def watch_until_ready(
    cluster: LocalCluster,
    namespace: str,
    processes: Sequence[Process],
    within: float,
    out: TextIO,
) -> bool:
    deadline = time.monotonic() + within
    last = ""
    while time.monotonic() < deadline:
        for p in processes:
            if not p.alive():
                raise ControlPlaneError(f"{p.name} exited:\n{p.log_tail()}")
        table = cluster.kubectl(
            "get", "tc,pdg,kvg,pds,tikvs,pods", "-n", namespace, check=False
        ).stdout
        # Compare without the AGE column, so only real changes are printed again.
        shape = "\n".join(line.rsplit(None, 1)[0] for line in table.splitlines() if line.strip())
        if shape != last:
            print(table, file=out, flush=True)
            last = shape
        ready, summary = cluster_state(cluster, namespace)
        if ready:
            print(f"Cluster {namespace}/{CLUSTER_NAME} is Ready: {summary}", file=out, flush=True)
            return True
        await asyncio.sleep(3)
    summary = cluster_state(cluster, namespace)[1]
    print(f"Cluster not Ready after {within:.0f}s: {summary}", file=out, flush=True)
    return False


async def run_dev(
    workdir: Path, namespace: str, exit_when_ready: bool, within: float, real_pd: bool = False
) -> int:
    # A fresh control plane every time: yesterday's etcd would bring yesterday's cluster.
    shutil.rmtree(workdir / "cluster", ignore_errors=True)
    cluster = LocalCluster(
        workdir=workdir / "cluster", process_nodes=PROCESS_NODES if real_pd else 0
    )
    log_dir = workdir / "logs"
    processes: list[Process] = []
    print(f"starting the local control plane in {cluster.workdir}", flush=True)
    cluster.start()
    try:
        crd_dir = str(REPO / "manifests" / "crd")
        cluster.kubectl("apply", "--server-side", "-f", crd_dir)
        cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "-f", crd_dir)
        probe_port = free_port()
        pd_url = None
        if not real_pd:
            pd_port = free_port()
            sim = simulator_process(pd_port, namespace, cluster.kubeconfig, log_dir)
            processes.append(sim.start())
            wait_http_ok(f"http://127.0.0.1:{pd_port}/sim/events", sim)
            pd_url = f"http://127.0.0.1:{pd_port}"
        op = operator_process(cluster.kubeconfig, namespace, pd_url, probe_port, log_dir,
                              "--pd-poll-interval=5s", "--log-format=console")  # fmt: skip
        if real_pd:
            # Run with the process nodes' hosts file as /etc/hosts: PD is reached at the
            # Service URL the operator derives, as in a cluster.
            spec = log_dir / "operator-sandbox.json"
            op = dataclasses.replace(op, argv=with_hosts(cluster.hosts_file, op.argv, spec))
        processes.append(op.start())
        wait_http_ok(f"http://127.0.0.1:{probe_port}/readyz", op)
        where = (
            f"PD simulator at {pd_url}"
            if pd_url
            else "PD members run as real pd-server, TiKV stores as the store stub"
        )
        print(f"{where}; operator logs in {op.log_path}", flush=True)

        example: Path = EXAMPLE
        if real_pd:
            example = example_on_process_nodes(cluster, log_dir / "basic-on-process-nodes.json")
        cluster.kubectl("apply", "-n", namespace, "-f", str(example))
        ready = await watch_until_ready(cluster, namespace, processes, within, sys.stdout)
        print(f"export KUBECONFIG={cluster.kubeconfig}", flush=True)
        if not ready:
            return 1
        if exit_when_ready:
            return 0
        print("up; Ctrl-C stops everything", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        return 0
    finally:
        print("stopping", flush=True)
        for p in reversed(processes):
            p.stop()
        cluster.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hack.dev", description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=DEV_DIR)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to reach Ready")
    parser.add_argument(
        "--exit-when-ready",
        action="store_true",
        default=os.environ.get("DEV_EXIT_WHEN_READY") == "1",
        help="stop once the Cluster is Ready (env DEV_EXIT_WHEN_READY=1)",
    )
    parser.add_argument(
        "--real-pd",
        action="store_true",
        help="PD members as real pd-server processes on process nodes (no simulator)",
    )
    args = parser.parse_args(argv)
    # SIGTERM stops us like Ctrl-C does, so that everything started is stopped by PID.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return asyncio.run(
            run_dev(args.workdir, args.namespace, args.exit_when_ready, args.timeout, args.real_pd)
        )
    except ControlPlaneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
