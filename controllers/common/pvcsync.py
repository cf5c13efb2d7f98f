"""An instance's PVCs: created when missing, expanded in place when the spec asks for more.

A larger `storage` never restarts a Pod (the Pod names its claims, not their sizes): the
claim's request is raised and the volume's provisioner grows it. The API server refuses that
unless the claim is bound and its StorageClass allows volume expansion, so the operator
checks both first and, when the class forbids it, says so on the instance (`Blocked` with
reason VolumeExpansionNotAllowed, one Warning event) instead of sending a request it knows
will fail. A smaller size never reaches here: the CRDs refuse shrinking a volume.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apis import conditions as cond
from apis.types import parse_quantity
from controllers.common.conditions import find
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from controllers.common.runner import Complete, Retry, TaskResult
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError

VOLUME_EXPANSION_NOT_ALLOWED = "VolumeExpansionNotAllowed"
"""Reason of the instance's Blocked condition, and of its Warning event."""
NOT_BLOCKED = "NotBlocked"
EVENT_VOLUME_EXPANDED = "VolumeExpanded"
BOUND_POLL = 5.0


class Step(enum.Enum):
    NONE = "none"
    """The claim asks for at least what the spec wants."""
    EXPAND = "expand"
    WAIT_BOUND = "wait-bound"
    """Only a bound claim may be resized; provisioning is still under way."""
    NOT_ALLOWED = "not-allowed"
    """The StorageClass does not allow expansion: the API server would refuse."""


@dataclass(frozen=True)
class Expansion:
    step: Step
    message: str = ""


def requested_storage(pvc: Mapping[str, Any]) -> float:
    return parse_quantity(pvc["spec"]["resources"]["requests"]["storage"])


def expansion(
    desired: Mapping[str, Any], existing: Mapping[str, Any], storage_class: Mapping[str, Any] | None
) -> Expansion:
    """What to do about an existing claim whose desired twin is `desired`. `storage_class` is
    the claim's StorageClass as read (None: the claim names none, or it does not exist)."""
    want, have = requested_storage(desired), requested_storage(existing)
    if want <= have:
        return Expansion(Step.NONE)
    name = existing["metadata"]["name"]
    size = desired["spec"]["resources"]["requests"]["storage"]
    current = existing["spec"]["resources"]["requests"]["storage"]
    if (existing.get("status") or {}).get("phase") != "Bound":
        return Expansion(Step.WAIT_BOUND, f"PVC {name} is not bound yet; it grows to {size} then")
    class_name = existing["spec"].get("storageClassName")
    if not class_name:
        why = "names no StorageClass"
    elif storage_class is None:
        why = f"names StorageClass {class_name}, which does not exist"
    elif storage_class.get("allowVolumeExpansion") is not True:
        why = f"has StorageClass {class_name}, which does not allow volume expansion"
    else:
        return Expansion(Step.EXPAND, f"PVC {name} expanded from {current} to {size}")
    return Expansion(
        Step.NOT_ALLOWED,
        f"PVC {name} {why}, so it cannot grow from {current} to {size}; it keeps {current} "
        "and the Pod keeps running. Set allowVolumeExpansion: true on the StorageClass if its "
        "provisioner can expand volumes (the operator then expands the PVC), or move the data "
        "to a new group whose StorageClass can",
    )


async def sync_pvcs(
    ctx: ReconcileContext[Any], desired: Sequence[Object], existing: Mapping[str, Object]
) -> TaskResult:
    """Create the missing PVCs and expand the grown ones; report a StorageClass that forbids
    expanding on the instance (never fails the reconcile: the Pod is not at stake)."""
    created, expanded, refused = [], [], []
    for pvc in desired:
        name = pvc["metadata"]["name"]
        have = existing.get(name)
        if have is None:
            try:
                await ctx.deps.client.create(resources.PVC, pvc)
            except ApiError as e:
                if not e.conflict:
                    raise
                return Retry(1, "a PVC exists that the cache has not seen yet")
            created.append(name)
            continue
        decision = await _decide(ctx, pvc, have)
        match decision.step:
            case Step.EXPAND:
                requests = pvc["spec"]["resources"]["requests"]
                patch = {"metadata": {"uid": have["metadata"]["uid"]}}
                patch["spec"] = {"resources": {"requests": requests}}
                await ctx.deps.client.patch(resources.PVC, name, patch, ctx.namespace)
                ctx.event("Normal", EVENT_VOLUME_EXPANDED, "ExpandVolume", decision.message)
                expanded.append(name)
            case Step.WAIT_BOUND:
                ctx.requeue(BOUND_POLL)
            case Step.NOT_ALLOWED:
                refused.append(decision.message)
            case Step.NONE:
                pass
    _report(ctx, refused)
    parts = [f"created {', '.join(created)}" if created else ""]
    parts.append(f"expanded {', '.join(expanded)}" if expanded else "")
    parts.append(f"{len(refused)} cannot expand" if refused else "")
    return Complete("; ".join(p for p in parts if p))


async def _decide(ctx: ReconcileContext[Any], desired: Object, have: Object) -> Expansion:
    if requested_storage(desired) <= requested_storage(have):
        return Expansion(Step.NONE)  # the common case reads no StorageClass
    class_name = have["spec"].get("storageClassName")
    storage_class = (
        await ctx.deps.client.get_or_none(resources.STORAGECLASS, str(class_name))
        if class_name
        else None
    )
    return expansion(desired, have, storage_class)


def _report(ctx: ReconcileContext[Any], refused: list[str]) -> None:
    if refused:
        message = "; ".join(refused)
        if ctx.condition_reason(cond.BLOCKED) != VOLUME_EXPANSION_NOT_ALLOWED:
            ctx.event("Warning", VOLUME_EXPANSION_NOT_ALLOWED, "ExpandVolume", message)
        ctx.condition(cond.BLOCKED, "True", VOLUME_EXPANSION_NOT_ALLOWED, message)
        return
    blocked = find(ctx.conditions, cond.BLOCKED)
    if blocked is not None and blocked.status != "False":
        # The instance loaded, so a past InvalidSpec is over too.
        ctx.condition(cond.BLOCKED, "False", NOT_BLOCKED, "no requested change is blocked")
