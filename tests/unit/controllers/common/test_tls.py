"""A TLS cluster's instances: the Secret their Pods mount, the files their configs name, the
probes the kubelet can run; and the same builders without TLS leave all of it out."""

from __future__ import annotations

import tomllib

import pytest

from apis import Cluster
from apis.labels import PD_INITIAL_CLUSTER
from apis.pd import TLS_DIR as PD_TLS_DIR
from apis.tikv import TLS_DIR as TIKV_TLS_DIR
from controllers.common.tls import InstanceTLS, instance_tls
from controllers.pd.build import build_config, build_pod
from controllers.tikv.build import build_pod as build_tikv_pod
from controllers.tikv.build import pod_revision, render_tikv_config

from ..pd.samples import pd_instance
from ..tikv.samples import tikv_instance

PD_TLS = InstanceTLS("basic-pd-cluster-secret", PD_TLS_DIR)
TIKV_TLS = InstanceTLS("basic-tikv-cluster-secret", TIKV_TLS_DIR)


def cluster(tls: bool) -> Cluster:
    return Cluster.model_validate(
        {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": "basic", "namespace": "ns"},
            "spec": {"tlsCluster": {"enabled": tls}},
        }
    )


def test_an_instance_mounts_its_groups_secret_only_in_a_tls_cluster() -> None:
    assert instance_tls(cluster(True), "basic", "pd", PD_TLS_DIR) == PD_TLS
    assert instance_tls(cluster(True), None, "tikv", TIKV_TLS_DIR) == InstanceTLS(
        "tikv-tikv-cluster-secret", TIKV_TLS_DIR
    )
    assert instance_tls(cluster(False), "basic", "pd", PD_TLS_DIR) is None
    assert instance_tls(None, "basic", "pd", PD_TLS_DIR) is None


@pytest.mark.parametrize("bootstrap", [True, False])
def test_pd_config_speaks_https_and_names_the_mounted_files(bootstrap: bool) -> None:
    initial = {PD_INITIAL_CLUSTER: "basic-pd-abc123,basic-pd-b"} if bootstrap else None
    pd = pd_instance(annotations=initial)
    values = tomllib.loads(build_config(pd, PD_TLS))
    assert values["security"] == {
        "cacert-path": "/var/lib/pd-tls/ca.crt",
        "cert-path": "/var/lib/pd-tls/tls.crt",
        "key-path": "/var/lib/pd-tls/tls.key",
    }
    urls = [values[k] for k in ("client-urls", "peer-urls", "advertise-client-urls")]
    urls += [values["advertise-peer-urls"], values.get("initial-cluster") or values["join"]]
    assert all("https://" in u and "http://" not in u for u in urls), urls
    plain = tomllib.loads(build_config(pd, None))
    assert "security" not in plain
    assert plain["client-urls"].startswith("http://")


def test_tikv_config_names_the_mounted_files_and_pds_https_url() -> None:
    values = tomllib.loads(
        render_tikv_config(tikv_instance(), "https://basic-pd.ns:2379", TIKV_TLS)
    )
    assert values["security"] == {
        "ca-path": "/var/lib/tikv-tls/ca.crt",
        "cert-path": "/var/lib/tikv-tls/tls.crt",
        "key-path": "/var/lib/tikv-tls/tls.key",
    }
    assert values["pd"]["endpoints"] == ["https://basic-pd.ns:2379"]
    assert "security" not in tomllib.loads(render_tikv_config(tikv_instance(), "http://x", None))


def test_pods_mount_the_secret_read_only_and_probe_without_a_client_certificate() -> None:
    for pod, tls, port in (
        (build_pod(pd_instance(version="v8.5.2"), "cfg", PD_TLS), PD_TLS, 2379),
        (build_tikv_pod(tikv_instance(), TIKV_TLS), TIKV_TLS, 20180),
    ):
        spec = pod["spec"]
        assert {"name": "tls", "secret": {"secretName": tls.secret}} in spec["volumes"]
        container = spec["containers"][0]
        mount = {"name": "tls", "mountPath": tls.directory, "readOnly": True}
        assert mount in container["volumeMounts"]
        assert container["readinessProbe"]["tcpSocket"] == {"port": port}
        assert pod["metadata"]["annotations"]["prometheus.io/scheme"] == "https"
    plain = build_tikv_pod(tikv_instance(), None)
    assert "httpGet" in plain["spec"]["containers"][0]["readinessProbe"]
    assert "prometheus.io/scheme" not in plain["metadata"]["annotations"]
    assert not [v for v in plain["spec"]["volumes"] if v["name"] == "tls"]


def test_tls_is_part_of_the_pod_a_store_should_run() -> None:
    assert pod_revision(tikv_instance(), TIKV_TLS) != pod_revision(tikv_instance(), None)
