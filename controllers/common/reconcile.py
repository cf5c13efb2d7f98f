"""The skeleton every controller shares: run the task list, write status after it however it
ended, log one line, and turn the outcome into a work-queue Result; `Reconciler` declares a
controller's pieces and builds it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog

from apis import conditions as cond
from controllers.common.conditions import is_true
from controllers.common.context import ReconcileContext
from controllers.common.deps import Deps
from controllers.common.runner import (
    Complete,
    Fail,
    Retry,
    RunSummary,
    Step,
    TaskResult,
    run_tasks,
)
from tikv_operator.kube.controller import Controller, Result
from tikv_operator.kube.informer import Informer
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import ResourceKind, cache_selector

log = structlog.get_logger(__name__)

C = TypeVar("C")
X = TypeVar("X", bound=ReconcileContext[Any])
Informers = dict[ResourceKind, Informer]


async def run_reconcile(
    ctx: C,
    tasks: Sequence[Step[C]],
    status_tasks: Sequence[Step[C]],
    wants_status: Callable[[C, TaskResult], bool],
) -> TaskResult:
    """`run_all`, logged as one line of task results."""
    final, summary = await run_all(ctx, tasks, status_tasks, wants_status)
    log.info("reconciled", tasks=summary.table())
    return final


async def run_all(
    ctx: C,
    tasks: Sequence[Step[C]],
    status_tasks: Sequence[Step[C]],
    wants_status: Callable[[C, TaskResult], bool],
) -> tuple[TaskResult, RunSummary]:
    """Run `tasks`, then `status_tasks` when `wants_status(ctx, final)`; the final result
    and what each task said.

    Status is written however the tasks ended: a Wait or a hold is exactly when the
    conditions must say why. A failed status write fails the reconcile, unless a task had
    already failed: that first error is the one to back off on and report."""
    summary = await run_tasks(tasks, ctx)
    final = summary.final
    if wants_status(ctx, final):
        status = await run_tasks(status_tasks, ctx)
        summary.records.extend(status.records)
        if isinstance(status.final, Fail) and not isinstance(final, Fail):
            final = status.final
    return final, summary


def to_result(final: TaskResult, resync: float, at_most: float | None = None) -> Result:
    """Fail raises (a rate-limited requeue); Retry comes back after its delay; Complete and
    Wait come back after `resync` anyway, since PD's view changes without any Kubernetes
    event to wake us. No requeue waits longer than `at_most`, when given."""
    match final:
        case Fail(error=error):
            raise error
        case Retry(after=after):
            wait = after
        case _:
            wait = resync
    if at_most is not None:
        wait = min(wait, at_most)
    return Result(requeue_after=wait)


def status_while_settled(ctx: ReconcileContext[Any], final: TaskResult) -> bool:
    """Status is written however the tasks ended (a wait is exactly when the conditions must
    say why), except when the object or its Cluster is gone, going away, or paused."""
    cluster = ctx.loaded_cluster
    return (
        ctx.loaded is not None
        and cluster is not None
        and not ctx.cluster_deleting
        and not cluster.spec.paused
        and not (ctx.deleting and isinstance(final, Complete))
    )


def settled(ctx: ReconcileContext[Any], final: TaskResult) -> bool:
    """Every task went through and the object says it is Ready."""
    return isinstance(final, Complete) and is_true(ctx.conditions, cond.READY)


@dataclass(frozen=True)
class Reconciler(Generic[X]):
    """One controller's reconcile, declared: its name, the informers whose caches it reads,
    how its context is made, its task list, and its status tasks with when they run."""

    name: str
    informers: Sequence[ResourceKind]
    context: Callable[[Deps, str], X]
    tasks: Sequence[Step[X]]
    status_tasks: Sequence[Step[X]]
    wants_status: Callable[[X, TaskResult], bool] = status_while_settled

    async def reconcile(self, deps: Deps, key: str) -> Result:
        ctx = self.context(deps, key)
        final = await run_reconcile(ctx, self.tasks, self.status_tasks, self.wants_status)
        if ctx.poller is not None and not settled(ctx, final):
            # Waiting for PD's view to move (a member to join, a store to register) should
            # not take a whole poll interval; a settled cluster costs no extra poll.
            ctx.poller.expedite()
        if ctx.loaded is None:
            return Result()  # gone: a watch brings it back if it is created again
        return to_result(final, deps.settings.resync, at_most=ctx.requeue_after)

    async def plan(self, deps: Deps, key: str) -> RunSummary:
        """What one reconcile of `key` decides, task by task: `tikv-operator plan` runs the
        very same tasks with `deps` whose writes are recorded instead of sent."""
        ctx = self.context(deps, key)
        _, summary = await run_all(ctx, self.tasks, self.status_tasks, self.wants_status)
        return summary

    def controller(self, manager: Manager, deps: Deps) -> tuple[Controller, Informers]:
        """The controller (not yet watching anything) and its informers by kind."""

        async def reconcile(key: str) -> Result:
            return await self.reconcile(deps, key)

        controller = Controller(self.name, reconcile, workers=deps.settings.workers)
        informers = {
            k: manager.informer(k, label_selector=cache_selector(k)) for k in self.informers
        }
        return controller, informers
