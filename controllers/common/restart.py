"""When a Pod must be recreated: one rule for PD and TiKV.

A Pod carries the hash of what it was built from (the PodSpec and the config it starts
with) in its `tikv.org/pod-hash` annotation; a Pod whose hash differs from the Pod the
instance would build now is recreated (under the safety rules of each component). What
changes without a restart leaves the hash alone: labels and annotations, PVC sizes (the
Pod names its claims, not their sizes), and with the HotReload strategy the config.
"""

from __future__ import annotations

from typing import Literal

from apis import labels
from controllers.common.objects import Object
from controllers.common.revision import revision_hash

ConfigStrategy = Literal["Restart", "HotReload"]


def pod_hash(spec: Object, config: str, strategy: ConfigStrategy) -> str:
    """The hash a Pod built from `spec`, starting with `config`, carries."""
    return revision_hash({"spec": spec, "config": None if strategy == "HotReload" else config})


def pod_hash_of(pod: Object | None) -> str | None:
    """The hash a (built or running) Pod carries; None for none or an unmarked Pod."""
    if pod is None:
        return None
    value = (pod["metadata"].get("annotations") or {}).get(labels.POD_HASH)
    return str(value) if value is not None else None


def needs_recreate(running: Object, desired: Object) -> bool:
    return pod_hash_of(running) != pod_hash_of(desired)
