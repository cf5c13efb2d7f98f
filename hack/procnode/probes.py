"""Readiness probes, run for real against the Pod's address: httpGet and tcpSocket, with the
Pod's period, timeout and thresholds. A container without a readiness probe is Ready once
it runs, as with a kubelet."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import httpx

Object = dict[str, Any]


def port_of(probe_port: int | str, container: Object) -> int:
    if isinstance(probe_port, int) or str(probe_port).isdigit():
        return int(probe_port)
    for port in container.get("ports") or ():
        if port.get("name") == probe_port:
            return int(port["containerPort"])
    raise ValueError(f"no container port named {probe_port}")


async def check(probe: Object, container: Object, ip: str) -> bool:
    timeout = float(probe.get("timeoutSeconds", 1))
    if "httpGet" in probe:
        get = probe["httpGet"]
        scheme = str(get.get("scheme", "HTTP")).lower()
        host = get.get("host") or ip
        url = f"{scheme}://{host}:{port_of(get['port'], container)}{get.get('path', '/')}"
        try:
            async with httpx.AsyncClient(timeout=timeout, verify=False) as client:
                r = await client.get(url)
        except httpx.HTTPError:
            return False
        return 200 <= r.status_code < 400
    if "tcpSocket" in probe:
        port = port_of(probe["tcpSocket"]["port"], container)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        except (OSError, TimeoutError):
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    raise ValueError("only httpGet and tcpSocket readiness probes run on process nodes")


@dataclass
class Readiness:
    """One container's readiness from its probe's results (the kubelet's counting)."""

    probe: Object | None
    ready: bool = False
    successes: int = 0
    failures: int = 0
    next_at: float = 0.0

    def reset(self, started_at: float) -> None:
        """A new process: not Ready until its probe says so."""
        self.ready = self.probe is None
        self.successes = self.failures = 0
        self.next_at = started_at + float((self.probe or {}).get("initialDelaySeconds", 0))

    def due(self, now: float) -> bool:
        return self.probe is not None and now >= self.next_at

    def record(self, ok: bool, now: float) -> bool:
        """Counts one result; True if readiness changed."""
        probe = self.probe or {}
        self.next_at = now + float(probe.get("periodSeconds", 10))
        before = self.ready
        if ok:
            self.successes, self.failures = self.successes + 1, 0
            if self.successes >= int(probe.get("successThreshold", 1)):
                self.ready = True
        else:
            self.successes, self.failures = 0, self.failures + 1
            if self.failures >= int(probe.get("failureThreshold", 3)):
                self.ready = False
        return self.ready != before
