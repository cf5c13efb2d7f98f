"""pd.toml, the ConfigMap and the Pod of a PD instance."""

import tomllib
from typing import Any

from apis.labels import (
    INSTANCE_REVISION_HASH,
    MANAGED_BY,
    PD_INITIAL_CLUSTER,
    POD_HASH,
    PROMETHEUS_PATH,
    PROMETHEUS_PORT,
    PROMETHEUS_SCRAPE,
)
from controllers.pd.build import (
    build_config,
    build_configmap,
    build_pod,
)

from .samples import pd_instance


def config_of(**kwargs: object) -> dict[str, object]:
    return tomllib.loads(build_config(pd_instance(**kwargs), None))  # type: ignore[arg-type]


def test_config_advertises_the_pod_dns_name_through_the_peer_service() -> None:
    config = config_of()
    assert config["name"] == "basic-pd-abc123"
    assert config["advertise-client-urls"] == "http://basic-pd-abc123.basic-pd-peer.ns:2379"
    assert config["advertise-peer-urls"] == "http://basic-pd-abc123.basic-pd-peer.ns:2380"
    assert config["client-urls"] == "http://0.0.0.0:2379"
    assert config["data-dir"] == "/var/lib/pd"


def test_an_initial_member_lists_every_initial_member_and_does_not_join() -> None:
    config = config_of(annotations={PD_INITIAL_CLUSTER: "basic-pd-a,basic-pd-b"})
    assert config["initial-cluster"] == (
        "basic-pd-a=http://basic-pd-a.basic-pd-peer.ns:2380,"
        "basic-pd-b=http://basic-pd-b.basic-pd-peer.ns:2380"
    )
    assert "join" not in config


def test_a_later_member_joins_through_the_client_service() -> None:
    config = config_of()
    assert config["join"] == "http://basic-pd.ns:2379"
    assert "initial-cluster" not in config


def test_user_config_is_kept_beside_managed_keys() -> None:
    config = config_of(config="[schedule]\nleader-schedule-limit = 8\n")
    assert config["schedule"] == {"leader-schedule-limit": 8}
    assert config["name"] == "basic-pd-abc123"


def test_configmap_is_owned_by_the_instance_and_labelled() -> None:
    pd = pd_instance()
    cm = build_configmap(pd, "x")
    assert cm["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert cm["metadata"]["ownerReferences"][0]["controller"] is True
    assert cm["metadata"]["labels"][MANAGED_BY] == "tikv-operator"
    assert cm["data"] == {"pd.toml": "x"}


def test_pod_runs_pd_server_with_dns_identity_ports_and_tcp_readiness() -> None:
    pod = build_pod(pd_instance(), "cfg", None)
    spec = pod["spec"]
    container = spec["containers"][0]
    assert spec["hostname"] == "basic-pd-abc123"
    assert spec["subdomain"] == "basic-pd-peer"
    assert container["image"] == "pingcap/pd:v8.5.1"
    assert container["command"] == ["/pd-server", "--config=/etc/pd/pd.toml"]
    assert {p["containerPort"] for p in container["ports"]} == {2379, 2380}
    assert container["readinessProbe"]["tcpSocket"] == {"port": 2379}
    assert {"name": "data", "mountPath": "/var/lib/pd"} in container["volumeMounts"]
    claim = next(v for v in spec["volumes"] if v["name"] == "data")
    assert claim["persistentVolumeClaim"]["claimName"] == "data-basic-pd-abc123"
    assert pod["metadata"]["labels"][INSTANCE_REVISION_HASH] == "rev1"


def test_pod_readiness_uses_the_ready_api_from_v8_5_2() -> None:
    pod = build_pod(pd_instance(version="v8.5.2"), "cfg", None)
    probe = pod["spec"]["containers"][0]["readinessProbe"]
    assert probe["httpGet"] == {"path": "/pd/api/v2/ready", "port": 2379}


def test_resources_are_requests_and_limits() -> None:
    pod = build_pod(pd_instance(resources={"cpu": "1", "memory": "2Gi"}), "cfg", None)
    assert pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "1", "memory": "2Gi"},
    }


def test_overlay_is_merged_but_topology_decides_the_node_selector() -> None:
    pd = pd_instance(
        topology={"zone": "a"},
        overlay={
            "pod": {
                "metadata": {"labels": {"team": "x"}},
                "spec": {
                    "nodeSelector": {"zone": "b", "disk": "ssd"},
                    "tolerations": [{"key": "k", "operator": "Exists"}],
                    "containers": [{"name": "pd", "env": [{"name": "E", "value": "1"}]}],
                },
            }
        },
    )
    pod = build_pod(pd, "cfg", None)
    assert pod["spec"]["nodeSelector"] == {"zone": "a", "disk": "ssd"}
    assert pod["spec"]["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert pod["spec"]["containers"][0]["env"] == [{"name": "E", "value": "1"}]
    assert pod["spec"]["containers"][0]["image"] == "pingcap/pd:v8.5.1"
    assert pod["metadata"]["labels"]["team"] == "x"


def hash_of(pod: dict[str, object]) -> str:
    return pod["metadata"]["annotations"][POD_HASH]  # type: ignore[index, no-any-return]


def test_a_version_change_changes_the_pod_hash() -> None:
    assert hash_of(build_pod(pd_instance(), "c", None)) != hash_of(
        build_pod(pd_instance(version="v8.5.2"), "c", None)
    )


def test_a_config_change_needs_a_restart_unless_hot_reloaded() -> None:
    assert hash_of(build_pod(pd_instance(), "a", None)) != hash_of(
        build_pod(pd_instance(), "b", None)
    )
    hot: dict[str, Any] = {"updateStrategy": {"config": "HotReload"}}
    assert hash_of(build_pod(pd_instance(**hot), "a", None)) == hash_of(
        build_pod(pd_instance(**hot), "b", None)
    )


def test_the_same_instance_builds_the_same_pod_hash() -> None:
    assert hash_of(build_pod(pd_instance(), "c", None)) == hash_of(
        build_pod(pd_instance(), "c", None)
    )


def test_pod_tells_prometheus_where_pd_serves_its_metrics() -> None:
    annotations = build_pod(pd_instance(), "cfg", None)["metadata"]["annotations"]
    assert annotations[PROMETHEUS_SCRAPE] == "true"
    assert annotations[PROMETHEUS_PORT] == "2379"
    assert annotations[PROMETHEUS_PATH] == "/metrics"


def test_a_users_scrape_annotation_wins_over_the_default_without_a_restart() -> None:
    pd = pd_instance(
        overlay={"pod": {"metadata": {"annotations": {PROMETHEUS_SCRAPE: "false"}}}},
    )
    pod = build_pod(pd, "cfg", None)
    assert pod["metadata"]["annotations"][PROMETHEUS_SCRAPE] == "false"
    assert pod["metadata"]["annotations"][PROMETHEUS_PORT] == "2379"
    assert hash_of(pod) == hash_of(build_pod(pd_instance(), "cfg", None))
