"""Merging the user's partial PodSpec (overlay.pod.spec) onto the generated one."""

from __future__ import annotations

import copy
from typing import Any

# Lists whose items are identified by name, like Kubernetes' strategic merge: an overlay item
# changes the generated item of the same name instead of replacing the whole list, so that
# `containers: [{name: pd, env: [...]}]` adds env without dropping the image and command.
_MERGE_BY_NAME = frozenset(
    {"containers", "initContainers", "volumes", "env", "volumeMounts", "ports"}
)


def merge(base: Any, overlay: Any, key: str = "") -> Any:
    """`overlay` merged onto `base`: maps recursively, named lists item by item, anything
    else replaced by the overlay's value. Neither argument is changed."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = copy.deepcopy(base)
        for k, v in overlay.items():
            out[k] = merge(base[k], v, k) if k in base else copy.deepcopy(v)
        return out
    if key in _MERGE_BY_NAME and isinstance(base, list) and isinstance(overlay, list):
        return _merge_named(base, overlay)
    return copy.deepcopy(overlay)


def _merge_named(base: list[Any], overlay: list[Any]) -> list[Any]:
    out = copy.deepcopy(base)
    index = {item.get("name"): i for i, item in enumerate(out) if isinstance(item, dict)}
    for item in overlay:
        name = item.get("name") if isinstance(item, dict) else None
        if name is not None and name in index:
            out[index[name]] = merge(out[index[name]], item)
        else:
            out.append(copy.deepcopy(item))
    return out
