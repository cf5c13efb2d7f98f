"""The names a cluster's DNS would answer, as hosts-file lines (pure), and the shared hosts
file they are written to.

As CoreDNS does from Services and their endpoints:
- a Service resolves to its endpoints' Pod IPs (there is no kube-proxy, so no ClusterIP):
  the Pods it selects that have an IP and are Ready and not terminating, or all of them
  with `publishNotReadyAddresses`; every such IP, in address order (Go's dialer and
  getaddrinfo's callers try them in that order);
- a Pod with `hostname` and `subdomain` resolves as `<hostname>.<subdomain>.<ns>` when a
  headless Service named `<subdomain>` in its namespace has it as an endpoint.
Each name is written as `<name>.<ns>`, `<name>.<ns>.svc` and `<name>.<ns>.svc.cluster.local`:
a hosts file knows no search domains, and those are the forms in use.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

Object = dict[str, Any]
SUFFIXES = ("", ".svc", ".svc.cluster.local")
HEADER = "# Written by hack.procnode (the process nodes' DNS); rewritten in place.\n"


def _selects(selector: Mapping[str, str], pod: Object) -> bool:
    labels = pod["metadata"].get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _ready(pod: Object) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or ()
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def endpoints(service: Object, pods: Iterable[Object]) -> list[Object]:
    """The Pods that are endpoints of `service` (the endpoints controller's rule)."""
    meta, spec = service["metadata"], service.get("spec") or {}
    selector = spec.get("selector") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    return [
        p
        for p in pods
        if p["metadata"].get("namespace") == meta.get("namespace")
        and _selects(selector, p)
        and (p.get("status") or {}).get("podIP")
        and not p["metadata"].get("deletionTimestamp")
        and (publish_not_ready or _ready(p))
    ]


def _ip(pod: Object) -> str:
    return str(pod["status"]["podIP"])


def records(services: Iterable[Object], pods: Iterable[Object]) -> dict[str, list[str]]:
    """Every resolvable name and its addresses."""
    pods = list(pods)
    out: dict[str, set[str]] = {}

    def add(name: str, ip: str) -> None:
        for suffix in SUFFIXES:
            out.setdefault(name + suffix, set()).add(ip)

    for svc in services:
        meta = svc["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        members = endpoints(svc, pods)
        for pod in members:
            add(f"{name}.{ns}", _ip(pod))
        if (svc.get("spec") or {}).get("clusterIP") != "None":
            continue
        for pod in members:
            spec = pod.get("spec") or {}
            if spec.get("subdomain") == name and spec.get("hostname"):
                add(f"{spec['hostname']}.{name}.{ns}", _ip(pod))
    return {n: sorted(ips, key=ipaddress.ip_address) for n, ips in out.items()}


def render(base: str, names: Mapping[str, list[str]]) -> str:
    """The hosts file: the machine's own lines (localhost), then one line per address and
    name, sorted so an unchanged world writes unchanged bytes."""
    lines = [f"{ip} {name}" for name in sorted(names) for ip in names[name]]
    return base.rstrip("\n") + "\n" + HEADER + "".join(line + "\n" for line in lines)


class HostsFile:
    """One file, bind-mounted over /etc/hosts of each process: it is rewritten in place
    (same inode), never replaced, or the mounts would keep showing the old file. Go's
    resolver re-reads it when its size or mtime changes (at most every 5 s), glibc on every
    lookup."""

    def __init__(self, path: Path, base: str) -> None:
        self.path = path
        self.base = base
        self.text = ""

    def write(self, names: Mapping[str, list[str]]) -> bool:
        """Writes the file if its contents change; True if they did."""
        text = render(self.base, names)
        if text == self.text and self.path.exists():
            return False
        data = text.encode()
        # One write(2) after O_TRUNC: a reader sees the old file, an empty one (it retries
        # on the next lookup) or the new one.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self.text = text
        return True
