"""A controller: a work queue fed by watches, drained by N workers calling `reconcile(key)`.

Reconciles are level-triggered: the key (`namespace/name` of the controller's own kind) is
all a reconcile gets, and it reads the world afresh. What happens next depends on how the
reconcile ends:

- returns `Result()` (or None): done; the key's backoff is reset;
- returns `Result(requeue_after=s)`: reconciled again after s seconds;
- raises `TerminalError`: logged, not retried until something changes;
- raises anything else: logged, retried with the queue's per-key backoff.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

import structlog

from tikv_operator import metrics
from tikv_operator.kube.client import ApiError
from tikv_operator.kube.informer import Event, Informer
from tikv_operator.kube.resources import (
    Object,
    ResourceKind,
    controller_owner,
    object_key,
    split_key,
)
from tikv_operator.kube.workqueue import ShutDown, WorkQueue

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Result:
    requeue_after: float | None = None


class TerminalError(Exception):
    """A reconcile failure that retrying cannot fix (e.g. an invalid spec); the key waits for
    the next change to the object instead of being retried."""


Reconcile = Callable[[str], Awaitable[Result | None]]
Mapper = Callable[[Event], Iterable[str]]
Enqueue = Callable[[str], None]
# An external source of keys, e.g. a PD poller: runs until cancelled, calling enqueue(key)
# for every key that needs a reconcile. It handles its own errors.
EventSource = Callable[[Enqueue], Coroutine[Any, Any, None]]


def own_key(event: Event) -> Iterable[str]:
    """The changed object's own key: for a controller watching its own kind."""
    return (object_key(event.object),)


def controlling_owner(owner: ResourceKind) -> Mapper:
    """Map a child (Pod, PVC, instance CR…) to its controlling owner of kind `owner`. The old
    owner is included too, so an owner that lost the child also hears about it."""

    def mapper(event: Event) -> Iterable[str]:
        keys = [_owner_key(obj, owner) for obj in (event.object, event.old) if obj is not None]
        return sorted({k for k in keys if k is not None})

    return mapper


def _owner_key(obj: Object, owner: ResourceKind) -> str | None:
    ref = controller_owner(obj)
    if ref is None or ref.get("kind") != owner.kind:
        return None
    if owner.group and ref.get("apiVersion", "").partition("/")[0] != owner.group:
        return None
    namespace = obj["metadata"].get("namespace")
    return f"{namespace}/{ref['name']}" if namespace else str(ref["name"])


def mapped(fn: Callable[[Object], Iterable[str]]) -> Mapper:
    """Map an object to arbitrary keys, e.g. a Cluster to the keys of its groups."""

    def mapper(event: Event) -> Iterable[str]:
        return fn(event.object)

    return mapper


class Controller:
    def __init__(
        self,
        name: str,
        reconcile: Reconcile,
        *,
        workers: int = 4,
        queue: WorkQueue | None = None,
    ) -> None:
        self.name = name
        self.queue = queue if queue is not None else WorkQueue(name)
        self._reconcile = reconcile
        self._workers = workers
        self._sources: list[EventSource] = []
        self._worker_tasks: list[asyncio.Task[None]] = []
        self._source_tasks: list[asyncio.Task[None]] = []
        self._started = asyncio.Event()
        metrics.MAX_CONCURRENT_RECONCILES.labels(name).set(workers)
        metrics.ACTIVE_WORKERS.labels(name).set(0)
        for result in ("success", "error", "requeue_after"):
            metrics.RECONCILE_TOTAL.labels(name, result)
        metrics.RECONCILE_ERRORS.labels(name)

    @property
    def running(self) -> bool:
        return self._started.is_set() and not self.queue.shutting_down

    def watch(
        self,
        informer: Informer,
        mapper: Mapper = own_key,
        predicate: Callable[[Event], bool] | None = None,
    ) -> None:
        """Enqueue the keys `mapper` derives from each event of `informer` (that passes
        `predicate`). Objects already in the informer's cache are enqueued at once."""

        def handler(event: Event) -> None:
            if predicate is None or predicate(event):
                for key in mapper(event):
                    self.queue.add(key)

        informer.add_handler(handler)

    def watch_source(self, source: EventSource) -> None:
        """Run `source` while the controller runs (only on the leader)."""
        self._sources.append(source)

    async def run(self) -> None:
        """Reconcile until `shutdown`."""
        log.info("starting controller", controller=self.name, workers=self._workers)
        async with asyncio.TaskGroup() as tasks:
            self._worker_tasks = [tasks.create_task(self._work()) for _ in range(self._workers)]
            self._source_tasks = [tasks.create_task(s(self.queue.add)) for s in self._sources]
            self._started.set()

    async def shutdown(self, grace: float = 30.0) -> None:
        """Take no more keys, let running reconciles finish within `grace` seconds, then
        cancel what is left."""
        await self.queue.shutdown()
        for task in self._source_tasks:
            task.cancel()
        if self._worker_tasks:
            _, unfinished = await asyncio.wait(self._worker_tasks, timeout=grace)
            for task in unfinished:
                log.warning("reconcile did not finish in time; cancelling", controller=self.name)
                task.cancel()

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                await self._process(key)
            finally:
                self.queue.done(key)

    async def _process(self, key: str) -> None:
        namespace, name = split_key(key)
        active = metrics.ACTIVE_WORKERS.labels(self.name)
        active.inc()
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(
            controller=self.name,
            namespace=namespace,
            name=name,
            reconcile_id=uuid.uuid4().hex[:12],
        ):
            try:
                result = await self._reconcile(key)
            except TerminalError as e:
                log.error("reconcile failed; not retrying", error=str(e))
                self._count("error", error=True)
                self.queue.forget(key)
            except ApiError as e:
                if not (e.not_found or e.conflict):
                    log.exception(
                        "reconcile failed; retrying", retries=self.queue.num_requeues(key)
                    )
                    self._count("error", error=True)
                else:
                    # An object changed or went under the reconcile (a stale cache, a
                    # concurrent writer): expected, and the retry decides again.
                    log.info("reconcile raced another change; retrying", error=str(e))
                    self._count("requeue")
                self.queue.add_rate_limited(key)
            except Exception:
                log.exception("reconcile failed; retrying", retries=self.queue.num_requeues(key))
                self._count("error", error=True)
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
                if result is not None and result.requeue_after is not None:
                    self._count("requeue_after")
                    self.queue.add_after(key, result.requeue_after)
                else:
                    self._count("success")
            finally:
                metrics.RECONCILE_TIME.labels(self.name).observe(time.perf_counter() - started)
                active.dec()

    def _count(self, result: str, *, error: bool = False) -> None:
        metrics.RECONCILE_TOTAL.labels(self.name, result).inc()
        if error:
            metrics.RECONCILE_ERRORS.labels(self.name).inc()
