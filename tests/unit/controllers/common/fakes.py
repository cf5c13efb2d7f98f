"""Small fakes of the API client and the event recorder for controller tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from controllers.common.pdview import PDState
from tikv_operator.kube.client import ApiError
from tikv_operator.kube.resources import Object, ResourceKind
from tikv_operator.pdapi.poller import Snapshot


@dataclass
class Call:
    verb: str
    kind: str
    name: str
    body: Any = None
    uid: str | None = None


@dataclass
class FakeClient:
    """Objects by (kind, namespace, name); every write is recorded in `calls`."""

    objects: dict[tuple[str, str | None, str], Object] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def put(self, kind: ResourceKind, obj: Object) -> None:
        meta = obj["metadata"]
        self.objects[(kind.kind, meta.get("namespace"), meta["name"])] = copy.deepcopy(obj)

    async def get_or_none(
        self, kind: ResourceKind, name: str, namespace: str | None = None
    ) -> Object | None:
        found = self.objects.get((kind.kind, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    async def get(self, kind: ResourceKind, name: str, namespace: str | None = None) -> Object:
        found = await self.get_or_none(kind, name, namespace)
        if found is None:
            raise ApiError(404, "NotFound", f"{name} not found")
        return found

    async def patch(
        self,
        kind: ResourceKind,
        name: str,
        patch: Object,
        namespace: str | None = None,
        subresource: str = "",
    ) -> Object:
        self.calls.append(
            Call(f"patch{'/' + subresource if subresource else ''}", kind.kind, name, patch)
        )
        return {}

    async def patch_status(
        self, kind: ResourceKind, name: str, patch: Object, namespace: str | None = None
    ) -> Object:
        return await self.patch(kind, name, patch, namespace, subresource="status")

    async def delete(
        self, kind: ResourceKind, name: str, namespace: str | None = None, **kw: Any
    ) -> bool:
        self.calls.append(Call("delete", kind.kind, name, uid=kw.get("uid")))
        return True

    def verbs(self) -> list[tuple[str, str, str]]:
        return [(c.verb, c.kind, c.name) for c in self.calls]


@dataclass
class FakeEvents:
    recorded: list[tuple[str, str, str]] = field(default_factory=list)
    """(type, reason, note)"""

    def record(
        self, regarding: Object, event_type: str, reason: str, action: str, note: str
    ) -> None:
        self.recorded.append((event_type, reason, note))

    def reasons(self) -> list[str]:
        return [r for _, r, _ in self.recorded]


class FakePoller:
    """A cluster's PD poller that always answers with one snapshot (fresh or not)."""

    max_age = 45.0

    def __init__(self, client: Any, snapshot: Snapshot) -> None:
        self.client = client
        self.snapshot = snapshot

    def current(self) -> Snapshot:
        return self.snapshot

    async def fresh(self) -> Snapshot:
        return self.snapshot


def pd_state(client: Any, snapshot: Snapshot) -> PDState:
    """The PD state a context's `pd` task would set, from a fake client and a snapshot."""
    return PDState(FakePoller(client, snapshot), snapshot, None)  # type: ignore[arg-type]
