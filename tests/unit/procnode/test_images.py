"""What runs a container on a process node, and the listen addresses moved to its Pod IP."""

from __future__ import annotations

from hack.procnode.images import IMAGES, config_path, listen_flags, repository, version_env

PD_TOML = """
name = "basic-pd-x"
client-urls = "http://0.0.0.0:2379"
peer-urls = "http://0.0.0.0:2380"
advertise-client-urls = "http://basic-pd-x.basic-pd-peer.ns:2379"
"""
TIKV_TOML = """
[server]
addr = "0.0.0.0:20160"
status-addr = "0.0.0.0:20180"
advertise-addr = "basic-tikv-x.basic-tikv-peer.ns:20160"
"""


def test_an_image_names_its_repository_whatever_the_tag_or_registry() -> None:
    assert repository("pingcap/pd:v8.5.1") == "pingcap/pd"
    assert repository("docker.io/pingcap/tikv@sha256:abc") == "pingcap/tikv"
    assert repository("localhost:5000/pingcap/pd") == "localhost:5000/pingcap/pd"


def test_the_config_file_is_found_in_either_flag_form() -> None:
    assert config_path(["/pd-server", "--config=/etc/pd/pd.toml"]) == "/etc/pd/pd.toml"
    assert config_path(["/tikv-server", "--config", "/etc/tikv/tikv.toml"]) == "/etc/tikv/tikv.toml"
    assert config_path(["/pd-server", "--configx=1"]) is None


def test_pd_listens_on_its_pod_ip_and_advertises_what_the_operator_wrote() -> None:
    flags = listen_flags(IMAGES["pingcap/pd"], PD_TOML, "127.0.10.4")
    assert flags == ["--client-urls=http://127.0.10.4:2379", "--peer-urls=http://127.0.10.4:2380"]


def test_tikv_listens_on_its_pod_ip() -> None:
    flags = listen_flags(IMAGES["pingcap/tikv"], TIKV_TOML, "127.0.10.5")
    assert flags == ["--addr=127.0.10.5:20160", "--status-addr=127.0.10.5:20180"]


def test_a_specific_listen_host_is_left_alone() -> None:
    flags = listen_flags(IMAGES["pingcap/pd"], 'client-urls = "http://10.1.2.3:2379"', "127.0.10.4")
    assert flags == ["--client-urls=http://10.1.2.3:2379"]


def test_the_store_stub_reports_the_version_of_the_image_tag() -> None:
    stub = IMAGES["pingcap/tikv"]
    assert version_env(stub, "pingcap/tikv:v8.5.0") == {"TIKV_STUB_VERSION": "v8.5.0"}
    assert version_env(stub, "localhost:5000/pingcap/tikv") == {}
    assert version_env(stub, "pingcap/tikv@sha256:abc") == {}
    assert version_env(IMAGES["pingcap/pd"], "pingcap/pd:v8.5.1") == {}
