"""A container's command line, environment and files as a process node sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hack.procnode.addresses import AddressPool
from hack.procnode.container import exit_code
from hack.procnode.pod import ContainerConfigError, container_env, expand, host_file
from hack.procnode.probes import Readiness
from hack.procnode.volumes import Mount, configmap_files, write_files

POD = {"metadata": {"name": "p", "namespace": "ns", "uid": "u"}, "spec": {"nodeName": "proc-0"}}


def test_env_resolves_values_field_refs_and_expansions() -> None:
    container = {
        "env": [
            {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "URL", "value": "http://$(IP):2379 $$(IP)"},
        ]
    }
    env = container_env(container, POD, "127.0.10.3", "p")
    assert env["NAME"] == "p" and env["HOSTNAME"] == "p"
    assert env["URL"] == "http://127.0.10.3:2379 $(IP)"


def test_env_from_a_secret_is_refused() -> None:
    container = {"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}
    with pytest.raises(ContainerConfigError):
        container_env(container, POD, "127.0.10.3", "p")


def test_an_unknown_variable_is_left_as_written() -> None:
    assert expand("$(NOPE)", {}) == "$(NOPE)"


def test_a_container_path_maps_through_the_deepest_mount() -> None:
    mounts = [Mount(Path("/h/root"), "/etc", False), Mount(Path("/h/cm"), "/etc/pd/", True)]
    assert host_file(mounts, "/etc/pd/pd.toml") == Path("/h/cm/pd.toml")
    assert host_file(mounts, "/etc/hosts") == Path("/h/root/hosts")
    assert host_file(mounts, "/var/lib/pd") is None


def test_configmap_files_are_its_bytes_and_stale_files_go(tmp_path: Path) -> None:
    cm = {"data": {"pd.toml": 'name = "x"\n', "other": "y"}}
    assert configmap_files({"name": "cm"}, cm) == cm["data"]
    assert configmap_files({"items": [{"key": "other", "path": "o.txt"}]}, cm) == {"o.txt": "y"}
    (tmp_path / "old").write_text("gone")
    assert write_files(tmp_path, cm["data"])
    assert not write_files(tmp_path, cm["data"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "pd.toml"]
    assert (tmp_path / "pd.toml").read_text() == 'name = "x"\n'


def test_each_pod_keeps_its_address_until_released() -> None:
    pool = AddressPool("127.0.10.0/24")
    a, b = pool.allocate("a"), pool.allocate("b")
    assert (a, b) == ("127.0.10.2", "127.0.10.3")
    assert pool.allocate("a") == a
    pool.release("a")
    assert pool.allocate("c") == a
    with pytest.raises(ValueError):
        AddressPool("10.0.0.0/24")


def test_a_signal_exit_reads_as_a_container_runtime_reports_it() -> None:
    assert exit_code(-9) == 137 and exit_code(1) == 1


def test_readiness_needs_the_thresholds_of_the_probe() -> None:
    r = Readiness({"tcpSocket": {"port": 2379}, "periodSeconds": 5, "failureThreshold": 2})
    r.reset(0.0)
    assert not r.ready and r.due(0.0)
    assert r.record(True, 0.0) and r.ready and not r.due(4.0)
    assert not r.record(False, 5.0) and r.ready
    assert r.record(False, 10.0) and not r.ready
    assert Readiness(None).due(0.0) is False
