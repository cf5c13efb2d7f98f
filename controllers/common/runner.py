"""The task runner: a reconcile is an ordered list of small named tasks over a context.

Each task returns Complete (go on), Wait (stop; a watch will wake us), Retry (stop; come
back after a delay) or Fail (stop; rate-limited requeue). The runner records every
task's result so one log line answers "why is it waiting?".
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

C = TypeVar("C")


@dataclass(frozen=True)
class Complete:
    message: str = ""


@dataclass(frozen=True)
class Wait:
    reason: str


@dataclass(frozen=True)
class Retry:
    after: float
    reason: str


@dataclass(frozen=True)
class Fail:
    error: BaseException


TaskResult = Complete | Wait | Retry | Fail
TaskFn = Callable[[C], Awaitable[TaskResult]]


@dataclass(frozen=True)
class Task(Generic[C]):
    name: str
    fn: TaskFn[C]


@dataclass(frozen=True)
class Branch(Generic[C]):
    """When `predicate` holds, run `tasks` and end the reconcile after them."""

    name: str
    predicate: Callable[[C], bool]
    tasks: Sequence[Task[C]]


Step = Task[C] | Branch[C]


def task(name: str, fn: TaskFn[C]) -> Task[C]:
    return Task(name, fn)


def when(name: str, predicate: Callable[[C], bool], *tasks: Task[C]) -> Branch[C]:
    return Branch(name, predicate, tasks)


@dataclass(frozen=True)
class TaskRecord:
    name: str
    result: TaskResult
    seconds: float

    def describe(self) -> str:
        r = self.result
        match r:
            case Complete(message=m):
                detail = f"ok{': ' + m if m else ''}"
            case Wait(reason=why):
                detail = f"wait: {why}"
            case Retry(after=after, reason=why):
                detail = f"retry in {after:g}s: {why}"
            case Fail(error=err):
                detail = f"fail: {type(err).__name__}: {err}"
        return f"{self.name}={detail}"


@dataclass
class RunSummary:
    records: list[TaskRecord] = field(default_factory=list)

    @property
    def final(self) -> TaskResult:
        return self.records[-1].result if self.records else Complete()

    def table(self) -> str:
        return " | ".join(rec.describe() for rec in self.records)


async def _run_task(t: Task[C], ctx: C, summary: RunSummary) -> bool:
    """Runs one task; True if the reconcile may go on."""
    start = time.monotonic()
    try:
        result = await t.fn(ctx)
    except Exception as e:  # a task that raises is a Fail, reported like any other
        result = Fail(e)
    summary.records.append(TaskRecord(t.name, result, time.monotonic() - start))
    return isinstance(result, Complete)


async def run_tasks(steps: Sequence[Step[C]], ctx: C) -> RunSummary:
    summary = RunSummary()
    for step in steps:
        if isinstance(step, Task):
            if not await _run_task(step, ctx, summary):
                return summary
            continue
        if not step.predicate(ctx):
            continue
        for t in step.tasks:
            if not await _run_task(t, ctx, summary):
                return summary
        return summary
    return summary
