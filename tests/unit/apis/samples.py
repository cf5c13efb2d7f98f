"""Valid objects of the five kinds, as the API server would return them; tests vary them."""

from __future__ import annotations

from typing import Any


def component_spec() -> dict[str, Any]:
    return {
        "version": "v8.5.1",
        "volumes": [{"name": "data", "mounts": [{"type": "data"}], "storage": "20Gi"}],
    }


def cluster() -> dict[str, Any]:
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": "basic", "namespace": "db"},
        "spec": {"pvcRetentionPolicy": "Retain"},
    }


def pd_group() -> dict[str, Any]:
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "PDGroup",
        "metadata": {"name": "basic", "namespace": "db"},
        "spec": {
            "cluster": {"name": "basic"},
            "replicas": 3,
            "template": {"spec": component_spec()},
        },
    }


def tikv_group() -> dict[str, Any]:
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "TiKVGroup",
        "metadata": {"name": "basic", "namespace": "db"},
        "spec": {
            "cluster": {"name": "basic"},
            "replicas": 3,
            "template": {"spec": component_spec()},
        },
    }


def pd() -> dict[str, Any]:
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "PD",
        "metadata": {"name": "basic-pd-abc123", "namespace": "db"},
        "spec": {"cluster": {"name": "basic"}, "subdomain": "basic-pd-peer", **component_spec()},
    }


def tikv() -> dict[str, Any]:
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": "TiKV",
        "metadata": {"name": "basic-tikv-abc123", "namespace": "db"},
        "spec": {
            "cluster": {"name": "basic"},
            "subdomain": "basic-tikv-peer",
            "topology": {"topology.kubernetes.io/zone": "a"},
            **component_spec(),
        },
    }
