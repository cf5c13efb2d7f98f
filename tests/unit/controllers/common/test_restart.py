"""One rule decides whether a PD or TiKV Pod must be recreated."""

from __future__ import annotations

import pytest

from apis.labels import POD_HASH
from controllers.common.objects import Object
from controllers.common.restart import ConfigStrategy, needs_recreate, pod_hash

SPEC: Object = {"containers": [{"name": "tikv", "image": "pingcap/tikv:v8.5.1"}]}


def pod(spec: Object, config: str, strategy: ConfigStrategy = "Restart", **labels: str) -> Object:
    meta = {"labels": labels, "annotations": {POD_HASH: pod_hash(spec, config, strategy)}}
    return {"metadata": meta, "spec": spec}


def test_a_changed_image_recreates_the_pod() -> None:
    newer = {"containers": [{"name": "tikv", "image": "pingcap/tikv:v8.5.2"}]}
    assert needs_recreate(pod(SPEC, ""), pod(newer, ""))


def test_labels_alone_never_recreate_the_pod() -> None:
    assert not needs_recreate(pod(SPEC, "", team="a"), pod(SPEC, "", team="b"))


@pytest.mark.parametrize(("strategy", "recreates"), [("Restart", True), ("HotReload", False)])
def test_a_config_change_recreates_only_under_restart(
    strategy: ConfigStrategy, recreates: bool
) -> None:
    before, after = pod(SPEC, "a = 1", strategy), pod(SPEC, "a = 2", strategy)
    assert needs_recreate(before, after) is recreates


def test_an_unmarked_pod_is_recreated() -> None:
    unmarked: Object = {"metadata": {}, "spec": SPEC}
    assert needs_recreate(unmarked, pod(SPEC, ""))
