"""What the group revision tests of both components share: the ControllerRevisions of a
namespace, every (updateRevision, currentRevision, version) a group's status goes through,
and the checks of a new group's revision and of one rollout."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from apis import PDGroup, TiKVGroup
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import ResourceKind

RevisionState = tuple[str | None, str | None, str | None]
"""status.updateRevision, status.currentRevision, status.version"""


async def controller_revisions(client: Client, namespace: str) -> list[tuple[str, int]]:
    """(name, revision number) of the namespace's ControllerRevisions, oldest first."""
    listed = await client.list(resources.CONTROLLERREVISION, namespace)
    pairs = [(r["metadata"]["name"], int(r["revision"])) for r in listed.items]
    return sorted(pairs, key=lambda p: p[1])


def _state(obj: dict[str, Any]) -> RevisionState:
    status = obj.get("status") or {}
    return status.get("updateRevision"), status.get("currentRevision"), status.get("version")


@contextlib.asynccontextmanager
async def revision_states(
    client: Client, kind: ResourceKind, name: str, namespace: str
) -> AsyncIterator[list[RevisionState]]:
    """Each change of the group's revision state from now on, the present one first. A watch,
    not polling: on the simulator a rollout can finish within one poll interval."""
    group = await client.get(kind, name, namespace)
    states = [_state(group)]

    async def record() -> None:
        version = group["metadata"]["resourceVersion"]
        async for event in client.watch(kind, namespace, resource_version=version):
            if event.object["metadata"].get("name") == name:
                state = _state(event.object)
                if state != states[-1]:
                    states.append(state)

    watcher = asyncio.create_task(record())
    try:
        yield states
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def first_revision(client: Client, group: PDGroup | TiKVGroup) -> str:
    """The hash of a new group's revision, after checking that its only ControllerRevision
    holds its template as number 1, controlled by the group."""
    first = str(group.status.update_revision)
    namespace, name = str(group.metadata.namespace), str(group.metadata.name)
    (revision,) = (await client.list(resources.CONTROLLERREVISION, namespace)).items
    assert (revision["metadata"]["name"], revision["revision"]) == (f"{name}-{first}", 1)
    assert revision["data"] == group.spec.template.model_dump(mode="json", by_alias=True)
    assert revision["metadata"]["ownerReferences"][0]["uid"] == group.metadata.uid
    assert group.status.current_revision == first
    return first


async def one_rollout(
    client: Client, group: PDGroup | TiKVGroup, states: list[RevisionState], new_version: str
) -> str:
    """The hash of the second revision, after checking that the states went through one
    rollout to it: the update revision moved first, then the current revision and the
    version together (a status write holds both); and the history holds both revisions."""
    first, second = states[0][0], states[-1][0]
    old_version = states[0][2]
    assert states == [
        (first, first, old_version),
        (second, first, old_version),
        (second, second, new_version),
    ]
    namespace, name = str(group.metadata.namespace), str(group.metadata.name)
    assert await controller_revisions(client, namespace) == [
        (f"{name}-{first}", 1),
        (f"{name}-{second}", 2),
    ]
    return str(second)
