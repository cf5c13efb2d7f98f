"""Informers: keep a Store in step with the API server and tell handlers what changed.

Each informer runs one reflector per namespace it watches (or one for all namespaces). A
reflector lists, then watches from the list's resourceVersion with bookmarks. When the
server ends a watch (its jittered timeout) or the stream goes quiet for too long, it watches
again from the last version it saw; on 410 Gone it lists again at once; on any other failure
it lists again after an exponential backoff. A re-list is diffed against the store, so
handlers see ADDED/MODIFIED/DELETED for what changed while we were not watching.

Handlers are plain functions called in event order on the informer's task, so events for a
key are never reordered; they must be quick (put a key in a work queue and return).
"""

import asyncio
import random
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import structlog

from tikv_operator.kube.cache import IndexFunc, Store
from tikv_operator.kube.client import ApiError, Client, ObjectList, WatchEvent
from tikv_operator.kube.resources import Object, ResourceKind, object_key, resource_version

log = structlog.get_logger(__name__)

EventType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class Event:
    type: EventType
    object: Object
    old: Object | None = None  # the cached object an update or delete replaced


Handler = Callable[[Event], None]


class ListWatcher(Protocol):
    async def list(self) -> ObjectList: ...

    def watch(
        self, resource_version: str, timeout_seconds: int
    ) -> AsyncGenerator[WatchEvent, None]: ...


@dataclass(frozen=True)
class KindListWatcher:
    """List and watch one kind through the API server, in one namespace or all of them."""

    client: Client
    kind: ResourceKind
    namespace: str | None = None
    label_selector: str | None = None
    read_timeout: float = 240.0

    async def list(self) -> ObjectList:
        return await self.client.list(self.kind, self.namespace, label_selector=self.label_selector)

    def watch(
        self, resource_version: str, timeout_seconds: int
    ) -> AsyncGenerator[WatchEvent, None]:
        return self.client.watch(
            self.kind,
            self.namespace,
            resource_version=resource_version,
            label_selector=self.label_selector,
            timeout_seconds=timeout_seconds,
            read_timeout=self.read_timeout,
        )


@dataclass(frozen=True)
class InformerSettings:
    # The server ends each watch after a random 5-10 minutes, so that many informers do not
    # all re-watch at the same moment.
    min_watch_timeout: int = 300
    max_watch_timeout: int = 600
    # The server sends a bookmark about once a minute; a much longer silence means a dead
    # stream that TCP has not noticed.
    inactivity_timeout: float = 180.0
    backoff_initial: float = 0.8
    backoff_max: float = 30.0


class Informer:
    def __init__(
        self,
        name: str,
        sources: Sequence[ListWatcher],
        *,
        indexers: dict[str, IndexFunc] | None = None,
        settings: InformerSettings = InformerSettings(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self.store = Store(indexers)
        self._handlers: list[Handler] = []
        self._reflectors = [
            _Reflector(self, source, settings, sleep, rng or random.Random()) for source in sources
        ]
        self._synced = asyncio.Event()

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    def add_handler(self, handler: Handler) -> None:
        """Register a handler; objects already cached are replayed to it as ADDED."""
        self._handlers.append(handler)
        for obj in self.store.objects():
            self._call(handler, Event("ADDED", obj))

    async def run(self) -> None:
        """Run until cancelled."""
        async with asyncio.TaskGroup() as tasks:
            for reflector in self._reflectors:
                tasks.create_task(reflector.run())

    def _reflector_synced(self) -> None:
        if all(r.listed for r in self._reflectors):
            self._synced.set()

    def _emit(self, event: Event) -> None:
        for handler in self._handlers:
            self._call(handler, event)

    def _call(self, handler: Handler, event: Event) -> None:
        try:
            handler(event)
        except Exception:
            # A broken handler must not stop the cache from following the server.
            log.exception(
                "informer handler failed", informer=self.name, key=object_key(event.object)
            )


class _Reflector:
    def __init__(
        self,
        informer: Informer,
        source: ListWatcher,
        settings: InformerSettings,
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random,
    ) -> None:
        self._informer = informer
        self._store = informer.store
        self._source = source
        self._settings = settings
        self._sleep = sleep
        self._rng = rng
        self._keys: set[str] = set()  # the store keys this reflector is responsible for
        self._version = ""
        self.listed = False

    async def run(self) -> None:
        delay = self._settings.backoff_initial
        need_list = True
        while True:
            try:
                if need_list:
                    await self._list()
                    need_list = False
                await self._watch()
                delay = self._settings.backoff_initial
            except ApiError as e:
                need_list = True
                if e.gone:
                    log.info("watch expired, listing again", informer=self._informer.name)
                    continue
                log.warning("list/watch failed", informer=self._informer.name, error=str(e))
                await self._sleep(delay)
                delay = min(delay * 2, self._settings.backoff_max)
            except Exception as e:
                need_list = True
                log.warning(
                    "list/watch failed", informer=self._informer.name, error=repr(e), retry_in=delay
                )
                await self._sleep(delay)
                delay = min(delay * 2, self._settings.backoff_max)

    async def _list(self) -> None:
        listed = await self._source.list()
        fresh = {object_key(obj): obj for obj in listed.items}
        for key in sorted(self._keys - fresh.keys()):
            self._delete(key, None)
        for obj in listed.items:
            cached = self._store.get(object_key(obj))
            if cached is None or resource_version(cached) != resource_version(obj):
                self._upsert(obj)
        self._version = listed.resource_version
        if not self.listed:
            self.listed = True
            self._informer._reflector_synced()

    async def _watch(self) -> None:
        """Apply events until the server ends the watch or it goes quiet."""
        timeout = self._rng.randint(
            self._settings.min_watch_timeout, self._settings.max_watch_timeout
        )
        stream = self._source.watch(self._version, timeout)
        try:
            while True:
                try:
                    async with asyncio.timeout(self._settings.inactivity_timeout):
                        event = await anext(stream)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    log.warning("watch inactive, watching again", informer=self._informer.name)
                    return
                self._apply(event)
        finally:
            await stream.aclose()

    def _apply(self, event: WatchEvent) -> None:
        self._version = resource_version(event.object) or self._version
        if event.type == "BOOKMARK":
            return
        if event.type == "DELETED":
            self._delete(object_key(event.object), event.object)
        else:
            self._upsert(event.object)

    def _upsert(self, obj: Object) -> None:
        key = object_key(obj)
        self._keys.add(key)
        old = self._store.upsert(obj)
        self._informer._emit(Event("ADDED" if old is None else "MODIFIED", obj, old))

    def _delete(self, key: str, final: Object | None) -> None:
        """Forget key; `final` is the deleted object when the server told us, else (a delete
        missed while not watching) the last cached state stands in for it."""
        self._keys.discard(key)
        old = self._store.delete(key)
        last = final if final is not None else old
        if last is not None:
            self._informer._emit(Event("DELETED", last, old))


def kind_informer(
    client: Client,
    kind: ResourceKind,
    *,
    namespaces: Sequence[str] | None = None,
    label_selector: str | None = None,
    settings: InformerSettings = InformerSettings(),
) -> Informer:
    """An informer for `kind` in the given namespaces (all when None), optionally narrowed
    by a label selector (child kinds select the objects the operator manages)."""
    read_timeout = settings.inactivity_timeout + 30.0
    scopes: Sequence[str | None] = (
        [None] if namespaces is None or not kind.namespaced else namespaces
    )
    sources = [KindListWatcher(client, kind, ns, label_selector, read_timeout) for ns in scopes]
    return Informer(str(kind), sources, settings=settings)
