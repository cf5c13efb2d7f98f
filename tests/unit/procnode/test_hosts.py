"""The process nodes' DNS: which names resolve to which Pod IPs (as CoreDNS would answer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hack.procnode.hosts import HostsFile, records, render

SELECTOR = {"tikv.org/group": "basic", "app.kubernetes.io/component": "pd"}


def pod(name: str, ip: str | None, ready: bool, ns: str = "ns", **meta: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns, "labels": dict(SELECTOR), **meta},
        "spec": {"hostname": name, "subdomain": "basic-pd-peer"},
        "status": {
            **({"podIP": ip} if ip else {}),
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def service(name: str, headless: bool, publish_not_ready: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {"selector": dict(SELECTOR)}
    if headless:
        spec["clusterIP"] = "None"
    if publish_not_ready:
        spec["publishNotReadyAddresses"] = True
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": spec}


SERVICES = [service("basic-pd", False), service("basic-pd-peer", True, publish_not_ready=True)]


def test_a_client_service_resolves_to_its_ready_pods_in_address_order() -> None:
    pods = [
        pod("a", "127.0.10.10", True),
        pod("b", "127.0.10.9", True),
        pod("c", "127.0.10.2", False),
    ]
    names = records(SERVICES, pods)
    assert names["basic-pd.ns"] == ["127.0.10.9", "127.0.10.10"]
    assert names["basic-pd.ns.svc.cluster.local"] == ["127.0.10.9", "127.0.10.10"]


def test_a_headless_service_publishing_not_ready_pods_names_each_pod() -> None:
    names = records(SERVICES, [pod("c", "127.0.10.2", False)])
    assert names["c.basic-pd-peer.ns"] == ["127.0.10.2"]
    assert names["c.basic-pd-peer.ns.svc"] == ["127.0.10.2"]
    assert "basic-pd.ns" not in names


def test_pods_without_an_ip_terminating_or_elsewhere_are_no_endpoints() -> None:
    pods = [
        pod("a", None, True),
        pod("b", "127.0.10.3", True, deletionTimestamp="2024-01-01T00:00:00Z"),
        pod("c", "127.0.10.4", True, ns="other"),
    ]
    assert records(SERVICES, pods) == {}


def test_a_pod_name_needs_the_headless_service_of_its_subdomain() -> None:
    names = records([service("basic-pd", False)], [pod("a", "127.0.10.5", True)])
    assert "a.basic-pd-peer.ns" not in names


def test_the_file_keeps_the_machine_lines_and_is_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    hosts = HostsFile(path, "127.0.0.1 localhost\n")
    assert hosts.write({"a.ns": ["127.0.10.2"]})
    inode = path.stat().st_ino
    assert not hosts.write({"a.ns": ["127.0.10.2"]})
    assert hosts.write({"b.ns": ["127.0.10.3"]})
    assert path.stat().st_ino == inode
    assert path.read_text() == render("127.0.0.1 localhost\n", {"b.ns": ["127.0.10.3"]})
    assert path.read_text().splitlines()[0] == "127.0.0.1 localhost"
    assert path.read_text().splitlines()[-1] == "127.0.10.3 b.ns"
