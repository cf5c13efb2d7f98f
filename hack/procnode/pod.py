"""One Pod on a process node, from admission to its final deletion: its volumes and address,
its containers' processes, their readiness, and the status the API server sees."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hack.procnode.addresses import AddressPool
from hack.procnode.container import Container, rfc3339
from hack.procnode.images import IMAGES, config_path, listen_flags, repository, version_env
from hack.procnode.kubeapi import STRATEGIC, Api
from hack.procnode.nodes import HOST_IP
from hack.procnode.probes import Readiness, check
from hack.procnode.sandbox import Bind, Spec
from hack.procnode.status import pod_status
from hack.procnode.volumes import Mount, VolumeNotReady, Volumes

Object = dict[str, Any]
log = logging.getLogger("procnode.pod")

TICK = 0.5
CONFIGMAP_REFRESH = 5.0
DEFAULT_GRACE = 30
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ContainerConfigError(Exception):
    """The container cannot be started as specified (the kubelet's
    CreateContainerConfigError / ErrImagePull)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class NodeContext:
    """What every Pod worker of the kubelet shares."""

    api: Api
    workdir: Path
    host_root: Path
    hosts_file: Path
    addresses: AddressPool
    binaries: Mapping[str, Path]
    """Component (`pd`, `tikv`) → the binary that runs it."""
    initial_backoff: float


def field_value(path: str, pod: Object, ip: str) -> str:
    values = {
        "metadata.name": pod["metadata"]["name"],
        "metadata.namespace": pod["metadata"]["namespace"],
        "metadata.uid": pod["metadata"]["uid"],
        "spec.nodeName": pod["spec"].get("nodeName", ""),
        "spec.serviceAccountName": pod["spec"].get("serviceAccountName", ""),
        "status.podIP": ip,
        "status.hostIP": HOST_IP,
    }
    if path not in values:
        raise ContainerConfigError("CreateContainerConfigError", f"fieldRef {path} unsupported")
    return str(values[path])


def container_env(container: Object, pod: Object, ip: str, hostname: str) -> dict[str, str]:
    env = {"PATH": PATH, "HOSTNAME": hostname}
    for var in container.get("env") or ():
        if "value" in var or "valueFrom" not in var:
            env[var["name"]] = expand(str(var.get("value", "")), env)
        elif "fieldRef" in var["valueFrom"]:
            env[var["name"]] = field_value(var["valueFrom"]["fieldRef"]["fieldPath"], pod, ip)
        else:
            raise ContainerConfigError(
                "CreateContainerConfigError", f"env {var['name']}: only values and fieldRefs"
            )
    return env


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in env values, command and args ($$ escapes)."""
    return re.sub(
        r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
        lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)),
        text,
    )


def host_file(mounts: list[Mount], path: str) -> Path | None:
    """Where the container's `path` lives on this machine, through its mounts."""
    best: Mount | None = None
    for m in mounts:
        target = m.target.rstrip("/")
        if (path == target or path.startswith(target + "/")) and (
            best is None or len(target) > len(best.target.rstrip("/"))
        ):
            best = m
    if best is None:
        return None
    return best.source / path[len(best.target.rstrip("/")) :].lstrip("/")


class PodWorker:
    def __init__(self, ctx: NodeContext, pod: Object) -> None:
        self.ctx = ctx
        self.pod = pod
        meta = pod["metadata"]
        self.uid = str(meta["uid"])
        self.name, self.namespace = str(meta["name"]), str(meta["namespace"])
        self.dir = ctx.workdir / "pods" / f"{self.namespace}_{self.name}_{self.uid[:8]}"
        self.wake = asyncio.Event()
        self.removed = False
        self.ip = ""
        self.start_time = rfc3339(time.time())
        self.volumes = Volumes(ctx.api, pod, self.dir, ctx.host_root)
        self.containers = [
            Container(c, self.dir / "logs", Readiness(c.get("readinessProbe")), ctx.initial_backoff)
            for c in pod["spec"]["containers"]
        ]
        self.reported: Object | None = None

    @property
    def path(self) -> str:
        return f"/api/v1/namespaces/{self.namespace}/pods/{self.name}"

    @property
    def deleting(self) -> bool:
        return self.removed or bool(self.pod["metadata"].get("deletionTimestamp"))

    def update(self, pod: Object) -> None:
        self.pod = pod
        self.wake.set()

    def gone(self) -> None:
        """The Pod object disappeared (force-deleted): stop its processes, nothing to delete."""
        self.removed = True
        self.wake.set()

    async def run(self) -> None:
        try:
            self.ip = self.ctx.addresses.allocate(self.uid)
            if await self._set_up_volumes():
                await self._serve()
            await self._stop()
            if not self.removed:
                await self.ctx.api.delete(
                    self.path, {"gracePeriodSeconds": 0, "preconditions": {"uid": self.uid}}
                )
        finally:
            for c in self.containers:
                c.signal(signal.SIGKILL)
            self.ctx.addresses.release(self.uid)

    async def _sleep(self, seconds: float) -> None:
        self.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)

    async def _set_up_volumes(self) -> bool:
        while not self.deleting:
            try:
                await self.volumes.set_up()
                return True
            except VolumeNotReady as e:
                self._wait_all("ContainerCreating", str(e))
            except ValueError as e:
                self._wait_all("CreateContainerConfigError", str(e))
            await self._report()
            await self._sleep(1.0)
        return False

    def _wait_all(self, reason: str, message: str) -> None:
        for c in self.containers:
            c.waiting = (reason, message)

    async def _serve(self) -> None:
        refreshed = time.monotonic()
        while not self.deleting:
            now = time.monotonic()
            for c in self.containers:
                if c.poll():
                    log.info("%s/%s %s exited %s", self.namespace, self.name, c.name,
                             c.last_terminated and c.last_terminated["exitCode"])  # fmt: skip
                if c.due(now):
                    self._start(c)
                if c.running and c.readiness.due(now):
                    c.readiness.record(await self._probe(c), time.monotonic())
            if now - refreshed >= CONFIGMAP_REFRESH:
                await self.volumes.refresh_configmaps()
                refreshed = now
            await self._report()
            await self._sleep(TICK)

    async def _probe(self, c: Container) -> bool:
        try:
            return await check(c.readiness.probe or {}, c.spec, self.ip)
        except ValueError as e:  # a probe the process nodes cannot run never succeeds
            log.warning("%s/%s %s: %s", self.namespace, self.name, c.name, e)
            return False

    def _start(self, c: Container) -> None:
        try:
            spec = self._sandbox(c.spec)
        except ContainerConfigError as e:
            c.waiting = (e.reason, str(e))
            c.restart_at = time.monotonic() + self.ctx.initial_backoff
            return
        log.info("%s/%s starting %s on %s: %s", self.namespace, self.name, c.name, self.ip,
                 " ".join(spec.argv))  # fmt: skip
        c.start(spec, self.dir / f"{c.name}.sandbox.json")

    def _sandbox(self, container: Object) -> Spec:
        image_name = str(container.get("image", ""))
        image = IMAGES.get(repository(image_name))
        binary = self.ctx.binaries.get(image.component) if image else None
        if image is None or binary is None:
            raise ContainerConfigError(
                "ErrImagePull", f"process nodes have no binary for image {image_name}"
            )
        spec = self.pod["spec"]
        hostname = str(spec.get("hostname") or self.name)
        env = {
            **version_env(image, image_name),
            **container_env(container, self.pod, self.ip, hostname),
        }
        argv = [expand(a, env) for a in (container.get("command") or [image.entrypoint])]
        argv += [expand(a, env) for a in container.get("args") or ()]
        mounts = self.volumes.mounts(container)
        config = config_path(argv)
        config_file = host_file(mounts, config) if config else None
        text = config_file.read_text() if config_file and config_file.exists() else None
        try:
            argv += listen_flags(image, text, self.ip)
        except ValueError as e:  # tomllib.TOMLDecodeError: the process will say it too
            log.warning("%s/%s: config %s does not parse: %s", self.namespace, self.name,
                        config, e)  # fmt: skip
        tmp = self.dir / "tmp" / str(container["name"])
        tmp.mkdir(parents=True, exist_ok=True)
        binds = [
            Bind(str(binary), image.entrypoint, read_only=True),
            Bind(str(self.ctx.hosts_file), "/etc/hosts", read_only=True),
            Bind("/proc", "/proc"),
            Bind("/dev", "/dev"),
            Bind(str(tmp), "/tmp"),
            *(Bind(str(m.source), m.target, m.read_only) for m in mounts),
        ]
        return Spec(
            argv=argv,
            env=env,
            binds=binds,
            root=str(self.dir / "rootfs" / str(container["name"])),
            hostname=hostname,
            cwd=str(container.get("workingDir") or "/"),
        )

    async def _report(self) -> None:
        status = pod_status(
            [c.view(str(c.spec.get("image", ""))) for c in self.containers],
            self.pod.get("status") or {},
            self.ip,
            HOST_IP,
            self.start_time,
            rfc3339(time.time()),
        )
        if status == self.reported:
            return
        try:
            if await self.ctx.api.patch(f"{self.path}/status", {"status": status}, STRATEGIC):
                self.reported = status
        except httpx.HTTPError as e:
            log.warning("%s/%s: status not reported: %s", self.namespace, self.name, e)

    async def _stop(self) -> None:
        """SIGTERM, then SIGKILL once the Pod's grace period is over."""
        meta = self.pod["metadata"]
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = self.pod["spec"].get("terminationGracePeriodSeconds", DEFAULT_GRACE)
        for c in self.containers:
            c.signal(signal.SIGTERM)
        deadline = time.monotonic() + float(grace)
        while any(c.running for c in self.containers) and time.monotonic() < deadline:
            for c in self.containers:
                c.poll()
            await asyncio.sleep(0.1)
        for c in self.containers:
            c.signal(signal.SIGKILL)
        while any(c.running for c in self.containers):
            for c in self.containers:
                c.poll()
            await asyncio.sleep(0.05)
