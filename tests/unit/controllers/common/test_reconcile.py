from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from controllers.common.reconcile import run_reconcile, to_result
from controllers.common.runner import Complete, Fail, Retry, Task, TaskResult, Wait, task


@dataclass
class Ctx:
    ran: list[str] = field(default_factory=list)


def step(name: str, result: TaskResult) -> Task[Ctx]:
    async def fn(ctx: Ctx) -> TaskResult:
        ctx.ran.append(name)
        return result

    return task(name, fn)


def always(ctx: Ctx, final: TaskResult) -> bool:
    return True


def never(ctx: Ctx, final: TaskResult) -> bool:
    return False


async def test_status_is_written_after_tasks_that_stopped_waiting() -> None:
    ctx = Ctx()
    final = await run_reconcile(
        ctx, [step("a", Wait("why")), step("b", Complete())], [step("status", Complete())], always
    )
    assert ctx.ran == ["a", "status"]
    assert final == Wait("why")


async def test_status_is_not_written_when_not_wanted() -> None:
    ctx = Ctx()
    await run_reconcile(ctx, [step("a", Complete())], [step("status", Complete())], never)
    assert ctx.ran == ["a"]


async def test_a_failed_status_write_fails_the_reconcile() -> None:
    error = RuntimeError("status")
    final = await run_reconcile(
        Ctx(), [step("a", Complete())], [step("status", Fail(error))], always
    )
    assert final == Fail(error)


async def test_a_task_failure_is_kept_over_a_later_status_failure() -> None:
    first = RuntimeError("task")
    final = await run_reconcile(
        Ctx(), [step("a", Fail(first))], [step("status", Fail(RuntimeError("status")))], always
    )
    assert final == Fail(first)


def test_fail_raises_its_error() -> None:
    with pytest.raises(RuntimeError):
        to_result(Fail(RuntimeError("x")), resync=30)


@pytest.mark.parametrize(
    ("final", "at_most", "expected"),
    [
        (Complete(), None, 30),
        (Wait("w"), None, 30),
        (Retry(5, "r"), None, 5),
        (Retry(90, "r"), None, 90),
        (Retry(90, "r"), 30, 30),
        (Complete(), 2, 2),
    ],
)
def test_requeue_after(final: TaskResult, at_most: float | None, expected: float) -> None:
    assert to_result(final, resync=30, at_most=at_most).requeue_after == expected
