"""The context every reconcile works on: the loaded object and its Cluster, the conditions
being built, events about the object, when to come back, and PD's view of the cluster.

Each controller's context adds what only it needs (its Pod, its instances, its decision)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Generic, TypeVar

from apis import Cluster
from apis.meta import ApiModel, Condition, Resource
from controllers.common.clusterstate import is_deleting
from controllers.common.conditions import Status, available_in, find, set_condition
from controllers.common.deps import Deps
from controllers.common.keyed import Keyed
from controllers.common.objects import Object
from controllers.common.pdview import NO_PD, PDState, UsesPD
from controllers.common.runner import Complete, TaskResult
from controllers.common.updater import Hold
from tikv_operator.kube.events import EventType
from tikv_operator.kube.resources import ResourceKind

T = TypeVar("T", bound=Resource)
N = TypeVar("N", bound=Resource)


class NotLoaded(Exception):
    """A task ran before the object it needs was loaded (a task-list ordering bug)."""


@dataclass
class ReconcileContext(Keyed, UsesPD, Generic[T]):
    KIND: ClassVar[ResourceKind]
    """The kind this context reconciles."""

    deps: Deps
    key: str
    raw: Object | None = None
    """The object as read from the cache (events are recorded about it)."""
    loaded: T | None = None
    loaded_cluster: Cluster | None = None
    conditions: list[Condition] = field(default_factory=list)
    """The object's conditions as this reconcile builds them; the status task writes them."""
    requeue_after: float | None = None
    pd_state: PDState = NO_PD
    finalized: bool = False
    """The finalizer is gone: the object may vanish any moment."""

    @property
    def obj(self) -> T:
        if self.loaded is None:
            raise NotLoaded(self.key)
        return self.loaded

    @property
    def cluster(self) -> Cluster:
        if self.loaded_cluster is None:
            raise NotLoaded(f"the Cluster of {self.key}")
        return self.loaded_cluster

    @property
    def deleting(self) -> bool:
        return self.loaded is not None and self.loaded.metadata.deletion_timestamp is not None

    @property
    def cluster_deleting(self) -> bool:
        """The whole cluster is going away (or gone): nothing is moved off one by one."""
        return is_deleting(self.loaded_cluster)

    @property
    def now(self) -> datetime:
        # metav1.Time keeps whole seconds; so must we, or every comparison with the stored
        # status differs and the status is rewritten forever.
        return self.deps.now().replace(microsecond=0)

    def requeue(self, seconds: float) -> None:
        """Come back within `seconds` (the earliest of all asked for in this reconcile)."""
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds

    def condition(
        self,
        type_: str,
        status: Status,
        reason: str,
        message: str,
        began: datetime | None = None,
    ) -> None:
        self.conditions = set_condition(
            self.conditions,
            type_,
            status,
            reason,
            message,
            generation=self.obj.metadata.generation,
            now=self.now,
            began=began,
        )

    def restart_condition(self, type_: str, status: Status, reason: str, message: str) -> None:
        """Set a condition as freshly begun: its lastTransitionTime becomes now even when the
        status stays the same (the start of a wait that is bounded by a timeout)."""
        self.conditions = [c for c in self.conditions if c.type != type_]
        self.condition(type_, status, reason, message)

    def condition_reason(self, type_: str) -> str | None:
        c = find(self.conditions, type_)
        return c.reason if c is not None else None

    def condition_since(self, type_: str, reason: str) -> datetime | None:
        c = find(self.conditions, type_)
        return c.last_transition_time if c is not None and c.reason == reason else None

    async def write_status(
        self, stored: ApiModel, status: ApiModel, untouched: Collection[str] = ()
    ) -> TaskResult:
        """Merge-patch `status` onto the `stored` one when they differ (the only API write of a
        settled object, so an unchanged status must write nothing). Fields set before and
        unset now are sent as null, which removes them. `untouched` fields (by wire name) are
        left as the API server has them: a task writes them itself, with a precondition, and
        the copy read at the start of the reconcile may be older."""
        old = stored.model_dump(mode="json", exclude_none=True)
        body = status.model_dump(mode="json", exclude_none=True)
        for key in untouched:
            old.pop(key, None)
            body.pop(key, None)
        if body == old:
            return Complete("unchanged")
        body |= {key: None for key in old if key not in body}
        await self.deps.client.patch_status(self.KIND, self.name, {"status": body}, self.namespace)
        return Complete("written")

    def event(self, type_: EventType, reason: str, action: str, note: str) -> None:
        """Record an event about the object (never blocks or fails the reconcile). `reason`
        is a named constant; `note` says what is happening and what would unblock it."""
        regarding = self.raw if self.raw is not None else self.obj.to_dict()
        self.deps.events.record(regarding, type_, reason, action, note)


@dataclass
class GroupContext(ReconcileContext[T], Generic[T, N]):
    """What a group's reconcile adds: its instances, its revision, and why it is blocked."""

    instances: list[N] = field(default_factory=list)
    """The group's instances, from the cache, by name."""
    revision: str = ""
    """The update revision: the hash the instances move to (the `revision` task decides
    it; `history.load_revision` starts it at what the status recorded)."""
    collision_count: int | None = None
    """status.collisionCount, raised by the `revision` task when a name was taken."""
    blocked: Hold | None = None
    """Set when a requested change is unsafe now; becomes the Blocked condition."""

    @property
    def group(self) -> T:
        return self.obj

    def block(self, reason: str, message: str) -> None:
        self.blocked = Hold(message, blocked=True, reason=reason)

    def requeue_until_available(
        self, conditions: Iterable[list[Condition]], min_ready_seconds: float
    ) -> None:
        """Come back when the next Ready instance (of these conditions) has been Ready for
        minReadySeconds and so counts as available: no event marks that moment."""
        for instance in conditions:
            wait = available_in(instance, min_ready_seconds, self.now)
            if wait:
                self.requeue(wait)
