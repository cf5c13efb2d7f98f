"""When a Pod must be recreated: one rule for PD and TiKV.

A Pod carries the hash of what it was built from (the PodSpec and the config it starts
with) in its `tikv.org/pod-hash` annotation; a Pod whose hash differs from the Pod the
instance would build now is recreated (under the safety rules of each component). What
changes without a restart leaves the hash alone: labels and annotations (patched in place,
`common.metadata`), PVC sizes (the Pod names its claims, not their sizes; the PVCs are
expanded in place, `common.pvc`), and with the HotReload strategy the config (applied
online, `common.hotreload`).

The Pod also carries the hash of its PodSpec alone (`tikv.org/pod-spec-hash`): under
HotReload a Pod whose spec hash still matches is kept however its config hash came about,
so switching a group from Restart to HotReload restarts nothing. Its pod hash is then
brought up to date in place with the rest of its metadata.
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


def spec_hash(spec: Object) -> str:
    """The hash of the PodSpec alone (equal to the pod hash under HotReload)."""
    return pod_hash(spec, "", "HotReload")


def pod_hashes(spec: Object, config: str, strategy: ConfigStrategy) -> dict[str, str]:
    """The annotations a Pod built from `spec` and `config` carries for the restart rule."""
    return {
        labels.POD_HASH: pod_hash(spec, config, strategy),
        labels.POD_SPEC_HASH: spec_hash(spec),
    }


def _annotation(pod: Object | None, key: str) -> str | None:
    if pod is None:
        return None
    value = (pod["metadata"].get("annotations") or {}).get(key)
    return str(value) if value is not None else None


def pod_hash_of(pod: Object | None) -> str | None:
    """The hash a (built or running) Pod carries; None for none or an unmarked Pod."""
    return _annotation(pod, labels.POD_HASH)


def needs_recreate(running: Object, desired: Object, strategy: ConfigStrategy) -> bool:
    """Whether `running` must be replaced by `desired` (built under `strategy`)."""
    if pod_hash_of(running) == pod_hash_of(desired):
        return False
    if strategy == "HotReload":
        # Only the config differs: it is applied online instead.
        have = _annotation(running, labels.POD_SPEC_HASH)
        return have is None or have != _annotation(desired, labels.POD_SPEC_HASH)
    return True
