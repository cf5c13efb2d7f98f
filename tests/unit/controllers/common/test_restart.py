"""One rule decides whether a PD or TiKV Pod must be recreated."""

from __future__ import annotations

import pytest

from apis.labels import POD_HASH, POD_SPEC_HASH
from controllers.common.objects import Object
from controllers.common.restart import ConfigStrategy, needs_recreate, pod_hashes

SPEC: Object = {"containers": [{"name": "tikv", "image": "pingcap/tikv:v8.5.1"}]}
NEWER: Object = {"containers": [{"name": "tikv", "image": "pingcap/tikv:v8.5.2"}]}


def pod(spec: Object, config: str, strategy: ConfigStrategy = "Restart", **labels: str) -> Object:
    meta = {"labels": labels, "annotations": pod_hashes(spec, config, strategy)}
    return {"metadata": meta, "spec": spec}


@pytest.mark.parametrize("strategy", ["Restart", "HotReload"])
def test_a_changed_image_recreates_the_pod(strategy: ConfigStrategy) -> None:
    assert needs_recreate(pod(SPEC, "", strategy), pod(NEWER, "", strategy), strategy)


def test_labels_alone_never_recreate_the_pod() -> None:
    assert not needs_recreate(pod(SPEC, "", team="a"), pod(SPEC, "", team="b"), "Restart")


@pytest.mark.parametrize(("strategy", "recreates"), [("Restart", True), ("HotReload", False)])
def test_a_config_change_recreates_only_under_restart(
    strategy: ConfigStrategy, recreates: bool
) -> None:
    before, after = pod(SPEC, "a = 1", strategy), pod(SPEC, "a = 2", strategy)
    assert needs_recreate(before, after, strategy) is recreates


def test_switching_to_hot_reload_keeps_the_pod_even_with_a_config_change() -> None:
    running = pod(SPEC, "a = 1", "Restart")
    assert not needs_recreate(running, pod(SPEC, "a = 2", "HotReload"), "HotReload")


def test_switching_to_restart_recreates_the_pod_once() -> None:
    """The process may not run what the ConfigMap says (a key that could not be reloaded)."""
    running = pod(SPEC, "a = 1", "HotReload")
    assert needs_recreate(running, pod(SPEC, "a = 1", "Restart"), "Restart")


def test_a_pod_without_a_spec_hash_is_recreated_when_its_pod_hash_differs() -> None:
    running = pod(SPEC, "a = 1", "Restart")
    del running["metadata"]["annotations"][POD_SPEC_HASH]
    assert needs_recreate(running, pod(SPEC, "a = 2", "HotReload"), "HotReload")


def test_the_hashes_cover_the_spec_and_under_restart_the_config() -> None:
    restart = pod_hashes(SPEC, "a = 1", "Restart")
    hot = pod_hashes(SPEC, "a = 1", "HotReload")
    assert restart[POD_SPEC_HASH] == hot[POD_SPEC_HASH] == hot[POD_HASH]
    assert restart[POD_HASH] != hot[POD_HASH]
    assert pod_hashes(SPEC, "a = 2", "HotReload") == hot


def test_an_unmarked_pod_is_recreated() -> None:
    unmarked: Object = {"metadata": {}, "spec": SPEC}
    assert needs_recreate(unmarked, pod(SPEC, ""), "Restart")
    assert needs_recreate(unmarked, pod(SPEC, "", "HotReload"), "HotReload")
