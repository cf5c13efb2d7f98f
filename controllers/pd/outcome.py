"""How a task-list run ends a reconcile: the work-queue Result, or an error to back off on."""

from __future__ import annotations

from controllers.common.runner import Complete, Fail, Retry, TaskResult, Wait
from tikv_operator.kube.controller import Result


def to_result(final: TaskResult, resync: float) -> Result:
    """Complete and Wait come back after `resync` seconds anyway: PD's view (health,
    leadership) changes without any Kubernetes event to wake us."""
    match final:
        case Retry(after=after):
            return Result(requeue_after=min(after, resync))
        case Fail(error=error):
            raise error
        case Complete() | Wait():
            return Result(requeue_after=resync)
    raise AssertionError(f"unknown task result {final!r}")
