"""Deleting an instance's Pod: the one way every controller does it."""

from __future__ import annotations

from controllers.common.objects import Object
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client


async def delete_pod(client: Client, pod: Object) -> bool:
    """Delete exactly this Pod: the uid precondition makes the API server refuse (409) when a
    Pod of the same name was created in the meantime, which was never part of the decision.
    False when it was already gone. Callers guard first (DESIGN §5 rules 1, 5, 10)."""
    meta = pod["metadata"]
    return await client.delete(resources.POD, meta["name"], meta["namespace"], uid=meta["uid"])
