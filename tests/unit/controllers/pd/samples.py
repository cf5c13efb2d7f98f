"""PD instances for builder tests."""

from typing import Any

from apis import PD
from apis.labels import GROUP, INSTANCE_REVISION_HASH


def pd_instance(
    name: str = "basic-pd-abc123",
    *,
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> PD:
    return PD.model_validate(
        {
            "metadata": {
                "name": name,
                "namespace": "ns",
                "uid": "uid-1",
                "generation": 1,
                "labels": {GROUP: "basic", INSTANCE_REVISION_HASH: "rev1"},
                "annotations": annotations or {},
            },
            "spec": {
                "cluster": {"name": "basic"},
                "subdomain": "basic-pd-peer",
                "version": "v8.5.1",
                "volumes": [{"name": "data", "mounts": [{"type": "data"}], "storage": "20Gi"}],
                **spec,
            },
        }
    )
