"""An instance's Pod: whether it is Ready, and deleting it the one way every controller
does."""

from __future__ import annotations

from collections.abc import Mapping

from controllers.common.objects import Object
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client


async def delete_pod(client: Client, pod: Object) -> bool:
    """Delete exactly this Pod: the uid precondition makes the API server refuse (409) when a
    Pod of the same name was created in the meantime, which was never part of the decision.
    False when it was already gone. Callers guard first (DESIGN §5 rules 1, 5, 10)."""
    meta = pod["metadata"]
    return await client.delete(resources.POD, meta["name"], meta["namespace"], uid=meta["uid"])


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
