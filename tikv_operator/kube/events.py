"""Kubernetes Events (events.k8s.io/v1) about the objects the operator acts on.

`record` never blocks a reconcile and never fails it: events are queued and written by a
background task, and a failure to write one is logged. An event repeating one already sent
(same object, type, reason, action and note) updates that Event's `series` count instead of
creating another object, so a reconcile that keeps hitting the same wall does not flood the
namespace.
"""

import asyncio
import datetime
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import structlog

from tikv_operator.kube.client import ApiError, Client
from tikv_operator.kube.resources import EVENT, Object, micro_time

log = structlog.get_logger(__name__)

EventType = Literal["Normal", "Warning"]

_MAX_NOTE = 1024  # the API server rejects longer notes
_REMEMBERED = 4096


@dataclass(frozen=True)
class _Pending:
    regarding: Object
    type: EventType
    reason: str
    action: str
    note: str


@dataclass
class _Sent:
    name: str
    namespace: str
    count: int


class EventRecorder:
    def __init__(
        self,
        client: Client,
        *,
        controller: str = "tikv.org/tikv-operator",
        instance: str = "",
        max_pending: int = 1000,
    ) -> None:
        self._client = client
        self._controller = controller
        self._instance = instance
        self._pending: asyncio.Queue[_Pending] = asyncio.Queue(max_pending)
        self._sent: OrderedDict[tuple[str, ...], _Sent] = OrderedDict()

    def record(
        self, regarding: Object, event_type: EventType, reason: str, action: str, note: str
    ) -> None:
        """Queue an event about `regarding` (a full object, as read from the cache or API).
        `reason` is a CamelCase constant, `action` what the operator did or failed to do."""
        try:
            self._pending.put_nowait(
                _Pending(regarding, event_type, reason, action, note[:_MAX_NOTE])
            )
        except asyncio.QueueFull:
            log.warning("event dropped: too many pending", reason=reason)

    async def run(self) -> None:
        """Write queued events until cancelled."""
        while True:
            pending = await self._pending.get()
            try:
                await self._write(pending)
            except (ApiError, OSError, TimeoutError) as e:
                log.warning("could not write event", reason=pending.reason, error=str(e))
            finally:
                self._pending.task_done()

    async def flush(self) -> None:
        """Wait until every queued event has been written (or failed)."""
        await self._pending.join()

    async def _write(self, pending: _Pending) -> None:
        meta = pending.regarding["metadata"]
        key = (meta.get("uid", ""), pending.type, pending.reason, pending.action, pending.note)
        now = micro_time(datetime.datetime.now(datetime.UTC))
        sent = self._sent.get(key)
        if sent is not None:
            sent.count += 1
            series = {"series": {"count": sent.count, "lastObservedTime": now}}
            try:
                await self._client.patch(EVENT, sent.name, series, sent.namespace)
                self._sent.move_to_end(key)
                return
            except ApiError as e:
                if not e.not_found:  # else it expired (events live an hour): start anew
                    raise
        namespace = meta.get("namespace") or "default"
        created = await self._client.create(EVENT, self._event(pending, namespace, now))
        self._sent[key] = _Sent(created["metadata"]["name"], namespace, 1)
        if len(self._sent) > _REMEMBERED:
            self._sent.popitem(last=False)

    def _event(self, pending: _Pending, namespace: str, now: str) -> Object:
        regarding = pending.regarding
        meta = regarding["metadata"]
        return {
            "apiVersion": EVENT.api_version,
            "kind": EVENT.kind,
            # Named like client-go's events: the API server validates generateName itself as
            # a DNS subdomain, which "<name>." is not.
            "metadata": {"name": f"{meta['name']}.{time.time_ns():x}", "namespace": namespace},
            "eventTime": now,
            "reportingController": self._controller,
            "reportingInstance": self._instance or self._controller,
            "type": pending.type,
            "reason": pending.reason,
            "action": pending.action,
            "note": pending.note,
            "regarding": {
                "apiVersion": regarding.get("apiVersion"),
                "kind": regarding.get("kind"),
                "namespace": meta.get("namespace"),
                "name": meta["name"],
                "uid": meta.get("uid"),
                "resourceVersion": meta.get("resourceVersion"),
            },
        }
