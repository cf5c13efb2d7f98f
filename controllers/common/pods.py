"""An instance's Pod: whether it is Ready, deleting it (the one way every controller does
it), and changing its labels and annotations in place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apis import conditions as cond
from apis import labels
from controllers.common.conditions import condition_of
from controllers.common.context import ReconcileContext
from controllers.common.invalid import INVALID_SPEC
from controllers.common.metadata import metadata_patch, synced
from controllers.common.objects import Object
from controllers.common.runner import Retry, TaskResult, Wait
from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError, Client

EVENT_METADATA_PATCHED = "PodMetadataPatched"


def pod_ready_since(pod: Object | None) -> datetime | None:
    """When the Pod last became Ready (its Ready condition's lastTransitionTime); None when it
    is not Ready, or does not say."""
    for c in ((pod or {}).get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready" and c.get("status") == "True" and c.get("lastTransitionTime"):
            return datetime.fromisoformat(str(c["lastTransitionTime"]).replace("Z", "+00:00"))
    return None


def pod_ready(pod: Mapping[str, object] | None) -> bool:
    """The Pod's Ready condition is True and the Pod is not being deleted (a terminating
    Pod's Ready lags behind its process going away)."""
    if pod is None:
        return False
    meta = pod.get("metadata")
    if isinstance(meta, dict) and meta.get("deletionTimestamp"):
        return False
    status = pod.get("status")
    conditions = status.get("conditions") if isinstance(status, dict) else None
    return any(
        isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") == "True"
        for c in conditions or ()
    )


async def create_pod(ctx: ReconcileContext[Any], desired: Object) -> TaskResult | None:
    """Create the instance's Pod; None when created. A Pod the cache has not seen yet is a
    retry; a Pod the API server refuses (an unknown field in the user's overlay, caught by
    strict field validation) is the instance's InvalidSpec, reported once, not retried."""
    try:
        await ctx.deps.client.create(resources.POD, desired)
    except ApiError as error:
        if error.conflict:
            return Retry(1.0, "a Pod exists that the cache has not seen yet")
        if not error.invalid:
            raise
        message = (
            f"the spec cannot be honoured, so no Pod is created until it is fixed: the API "
            f"server refuses the Pod built from it: {error.message}"
        )
        if stored_reason(ctx.raw, cond.BLOCKED) != INVALID_SPEC:
            ctx.event("Warning", INVALID_SPEC, "CreatePod", message)
        # Through the context: the status written at the end of this reconcile says it.
        ctx.condition(cond.BLOCKED, "True", INVALID_SPEC, message)
        return Wait(f"invalid spec: {error.message}")
    return None


def stored_reason(raw: Object | None, type_: str) -> str | None:
    """The reason of a condition as the object was read (before this reconcile)."""
    c = condition_of(raw, type_)
    return str(c.get("reason")) if c is not None else None


async def delete_pod(client: Client, pod: Object) -> bool:
    """Delete exactly this Pod: the uid precondition makes the API server refuse (409) when a
    Pod of the same name was created in the meantime, which was never part of the decision.
    False when it was already gone. Callers guard first (DESIGN §5 rules 1, 5, 10)."""
    meta = pod["metadata"]
    return await client.delete(resources.POD, meta["name"], meta["namespace"], uid=meta["uid"])


async def patch_pod_metadata(
    ctx: ReconcileContext[Any], pod: Object, desired: Object
) -> Object | None:
    """Bring the running Pod's labels and annotations to those of the `desired` Pod, in place
    (no restart: kubelet never looks at them). Returns the patched Pod, None when nothing
    differed. The patch names the Pod's uid, so a Pod recreated meanwhile is not touched."""
    meta = pod["metadata"]
    patch = metadata_patch(meta, desired["metadata"])
    if patch is None:
        return None
    body = {"metadata": {**patch, "uid": meta["uid"]}}
    await ctx.deps.client.patch(resources.POD, meta["name"], body, meta["namespace"])
    # The user's keys make the event; the operator's own bookkeeping (revision label, hashes)
    # changing in place is not news.
    keys = sorted(
        {k for k in patch.get("labels") or {} if k not in labels.OPERATOR_LABELS}
        | {k for k in patch.get("annotations") or {} if k not in labels.OPERATOR_ANNOTATIONS}
    )
    if keys:
        ctx.event(
            "Normal",
            EVENT_METADATA_PATCHED,
            "PatchPod",
            f"Pod {meta['name']} labels and annotations changed in place, without a restart: "
            + ", ".join(keys),
        )
    new_labels, new_annotations = synced(meta, desired["metadata"])
    return {**pod, "metadata": {**meta, "labels": new_labels, "annotations": new_annotations}}
