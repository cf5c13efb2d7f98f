"""tikv.toml, the ConfigMap and the Pod of a TiKV instance."""

from __future__ import annotations

import tomllib

import pytest

from apis.config import ConfigError
from apis.labels import (
    APPLIED_ANNOTATIONS,
    APPLIED_LABELS,
    GROUP,
    INSTANCE_NAME,
    INSTANCE_REVISION_HASH,
    MANAGED_BY,
    PROMETHEUS_PATH,
    PROMETHEUS_PORT,
    PROMETHEUS_SCRAPE,
)
from controllers.common.restart import pod_hash_of
from controllers.tikv.build import (
    advertise_address,
    build_configmap,
    build_instance_pvcs,
    build_pod,
    pod_revision,
    render_tikv_config,
)

from .samples import tikv_instance

PD_URL = "http://basic-pd.ns:2379"


def test_the_store_advertises_the_pod_dns_name_through_the_peer_service() -> None:
    assert advertise_address(tikv_instance()) == "basic-tikv-abc123.basic-tikv-peer.ns:20160"


def test_config_holds_the_managed_keys_beside_the_users_settings() -> None:
    text = render_tikv_config(
        tikv_instance(config='[storage]\nreserve-space = "1GB"\n'), PD_URL, None
    )
    config = tomllib.loads(text)
    assert config["server"] == {
        "addr": "0.0.0.0:20160",
        "advertise-addr": "basic-tikv-abc123.basic-tikv-peer.ns:20160",
        "status-addr": "0.0.0.0:20180",
        "advertise-status-addr": "basic-tikv-abc123.basic-tikv-peer.ns:20180",
    }
    assert config["storage"] == {"reserve-space": "1GB", "data-dir": "/var/lib/tikv"}
    assert config["pd"] == {"endpoints": [PD_URL]}


def test_a_user_config_setting_a_managed_key_is_refused() -> None:
    instance = tikv_instance()
    # Admission refuses this too; the builder must not silently override it either.
    instance.spec.config = '[server]\naddr = "0.0.0.0:1"\n'
    with pytest.raises(ConfigError, match=r"server\.addr"):
        render_tikv_config(instance, PD_URL, None)


def test_configmap_is_named_after_the_instance_and_owned_by_it() -> None:
    cm = build_configmap(tikv_instance(), PD_URL, None)
    assert cm["metadata"]["name"] == "basic-tikv-abc123"
    (owner,) = cm["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["uid"], owner["controller"]) == ("TiKV", "uid-1", True)
    assert "tikv.toml" in cm["data"]


def test_pod_runs_tikv_server_with_the_config_and_the_version_tag() -> None:
    pod = build_pod(tikv_instance(version="v8.5.1"), None)
    (container,) = pod["spec"]["containers"]
    assert container["image"] == "pingcap/tikv:v8.5.1"
    assert container["command"] == ["/tikv-server", "--config", "/etc/tikv/tikv.toml"]
    assert [p["containerPort"] for p in container["ports"]] == [20160, 20180]
    assert container["readinessProbe"]["httpGet"] == {"path": "/status", "port": 20180}


def test_pod_has_a_stable_dns_name_and_the_data_volume_at_the_data_dir() -> None:
    pod = build_pod(tikv_instance(), None)
    spec = pod["spec"]
    assert (spec["hostname"], spec["subdomain"]) == ("basic-tikv-abc123", "basic-tikv-peer")
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    assert mounts == {"config": "/etc/tikv", "data": "/var/lib/tikv"}
    claims = [
        v["persistentVolumeClaim"]["claimName"]
        for v in spec["volumes"]
        if "persistentVolumeClaim" in v
    ]
    assert claims == ["data-basic-tikv-abc123"]


def test_pod_carries_the_managed_labels_and_its_revision() -> None:
    pod = build_pod(tikv_instance(), None)
    labels = pod["metadata"]["labels"]
    assert labels[MANAGED_BY] == "tikv-operator"
    assert labels[GROUP] == "basic"
    assert labels[INSTANCE_NAME] == "basic-tikv-abc123"
    assert labels[INSTANCE_REVISION_HASH] == pod_revision(tikv_instance(), None)


def test_pod_is_pinned_to_its_topology() -> None:
    pod = build_pod(tikv_instance(topology={"topology.kubernetes.io/zone": "zone-b"}), None)
    assert pod["spec"]["nodeSelector"] == {"topology.kubernetes.io/zone": "zone-b"}


def test_overlay_merges_into_the_container_by_name_and_keeps_the_rest() -> None:
    overlay = {
        "pod": {
            "spec": {
                "containers": [{"name": "tikv", "env": [{"name": "A", "value": "1"}]}],
                "tolerations": [{"key": "k", "operator": "Exists"}],
            }
        }
    }
    pod = build_pod(tikv_instance(overlay=overlay), None)
    (container,) = pod["spec"]["containers"]
    assert container["env"] == [{"name": "A", "value": "1"}]
    assert container["image"] == "pingcap/tikv:v8.5.1"
    assert pod["spec"]["tolerations"] == [{"key": "k", "operator": "Exists"}]


@pytest.mark.parametrize(
    ("change", "restarts"),
    [
        ({"version": "v8.5.2"}, True),
        ({"config": "[raftstore]\nsync-log = true\n"}, True),
        ({"topology": {"zone": "a"}}, True),
        ({"offline": True}, False),
    ],
)
def test_pod_revision_changes_only_for_what_needs_a_new_pod(
    change: dict[str, object], restarts: bool
) -> None:
    assert (
        pod_revision(tikv_instance(**change), None) != pod_revision(tikv_instance(), None)
    ) is restarts  # type: ignore[arg-type]


def test_with_hot_reload_a_config_change_does_not_restart_the_pod() -> None:
    before = tikv_instance(update_strategy="HotReload")
    after = tikv_instance(update_strategy="HotReload", config="[raftstore]\nsync-log = true\n")
    assert pod_revision(before, None) == pod_revision(after, None)


def test_pvcs_are_named_per_volume_and_owned_by_the_instance() -> None:
    (pvc,) = build_instance_pvcs(tikv_instance())
    assert pvc["metadata"]["name"] == "data-basic-tikv-abc123"
    assert pvc["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"


def test_a_larger_volume_does_not_restart_the_pod() -> None:
    # The Pod names its claims, not their sizes: a PVC grows in place.
    bigger = tikv_instance(volumes=[{"name": "data", "storage": "20Gi"}])
    assert pod_revision(bigger, None) == pod_revision(tikv_instance(), None)


def test_template_and_overlay_metadata_reach_the_pod_without_touching_its_hash() -> None:
    plain = build_pod(tikv_instance(), None)
    dressed = build_pod(
        tikv_instance(
            labels={"team": "db"},
            annotations={APPLIED_LABELS: "team"},
            overlay={"pod": {"metadata": {"annotations": {"note": "x"}}}},
        ),
        None,
    )
    assert dressed["metadata"]["labels"]["team"] == "db"
    assert dressed["metadata"]["annotations"]["note"] == "x"
    assert dressed["metadata"]["annotations"][APPLIED_LABELS] == "team"
    assert pod_hash_of(dressed) == pod_hash_of(plain)


def test_instance_labels_not_from_the_template_stay_off_the_pod() -> None:
    pod = build_pod(tikv_instance(labels={"set-by-hand": "1"}), None)
    assert "set-by-hand" not in pod["metadata"]["labels"]


def test_pod_tells_prometheus_where_tikv_serves_its_metrics() -> None:
    annotations = build_pod(tikv_instance(), None)["metadata"]["annotations"]
    assert annotations[PROMETHEUS_SCRAPE] == "true"
    assert annotations[PROMETHEUS_PORT] == "20180"
    assert annotations[PROMETHEUS_PATH] == "/metrics"


def test_a_users_scrape_annotation_wins_and_is_recorded_as_the_users() -> None:
    plain = build_pod(tikv_instance(), None)
    pod = build_pod(
        tikv_instance(overlay={"pod": {"metadata": {"annotations": {PROMETHEUS_PORT: "9000"}}}}),
        None,
    )
    annotations = pod["metadata"]["annotations"]
    assert annotations[PROMETHEUS_PORT] == "9000"
    assert annotations[PROMETHEUS_SCRAPE] == "true"
    # Recorded as the user's key: dropping it from the overlay brings the default back.
    assert annotations[APPLIED_ANNOTATIONS] == PROMETHEUS_PORT
    assert pod_hash_of(pod) == pod_hash_of(plain)
