"""The shape every controller's reconcile shares: run the task list, write status after it
however it ended, log one line, and turn the outcome into a work-queue Result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import structlog

from controllers.common.runner import Fail, Retry, Step, TaskResult, run_tasks
from tikv_operator.kube.controller import Result

log = structlog.get_logger(__name__)

C = TypeVar("C")


async def run_reconcile(
    ctx: C,
    tasks: Sequence[Step[C]],
    status_tasks: Sequence[Step[C]],
    wants_status: Callable[[C, TaskResult], bool],
) -> TaskResult:
    """Run `tasks`, then `status_tasks` when `wants_status(ctx, final)`; the final result.

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
    log.info("reconciled", tasks=summary.table())
    return final


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
