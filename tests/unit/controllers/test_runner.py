from __future__ import annotations

from dataclasses import dataclass, field

from controllers.common.runner import Complete, Fail, Retry, Wait, run_tasks, task, when


@dataclass
class Ctx:
    deleting: bool = False
    ran: list[str] = field(default_factory=list)


def recorder(name: str, result: Complete | Wait | Retry | Fail = Complete()):  # noqa: B008
    async def fn(ctx: Ctx) -> Complete | Wait | Retry | Fail:
        ctx.ran.append(name)
        return result

    return task(name, fn)


async def test_runs_every_task_in_order_when_all_complete() -> None:
    ctx = Ctx()
    summary = await run_tasks([recorder("a"), recorder("b"), recorder("c")], ctx)
    assert ctx.ran == ["a", "b", "c"]
    assert isinstance(summary.final, Complete)


async def test_wait_stops_the_reconcile_at_that_task() -> None:
    ctx = Ctx()
    summary = await run_tasks(
        [recorder("a"), recorder("b", Wait("pod not ready")), recorder("c")], ctx
    )
    assert ctx.ran == ["a", "b"]
    assert summary.final == Wait("pod not ready")


async def test_retry_stops_and_carries_its_delay() -> None:
    ctx = Ctx()
    summary = await run_tasks([recorder("a", Retry(5, "pd busy")), recorder("b")], ctx)
    assert ctx.ran == ["a"]
    assert summary.final == Retry(5, "pd busy")


async def test_a_raising_task_is_reported_as_fail_and_stops() -> None:
    async def boom(ctx: Ctx) -> Complete:
        raise RuntimeError("pd exploded")

    ctx = Ctx()
    summary = await run_tasks([task("boom", boom), recorder("after")], ctx)
    assert ctx.ran == []
    assert isinstance(summary.final, Fail)
    assert "RuntimeError: pd exploded" in summary.table()


async def test_branch_runs_its_tasks_and_ends_the_reconcile_when_predicate_holds() -> None:
    ctx = Ctx(deleting=True)
    steps = [
        recorder("load"),
        when("deleting", lambda c: c.deleting, recorder("offline"), recorder("finalize")),
        recorder("finalizer"),
    ]
    await run_tasks(steps, ctx)
    assert ctx.ran == ["load", "offline", "finalize"]


async def test_branch_is_skipped_when_predicate_fails() -> None:
    ctx = Ctx(deleting=False)
    steps = [
        recorder("load"),
        when("deleting", lambda c: c.deleting, recorder("offline")),
        recorder("finalizer"),
    ]
    await run_tasks(steps, ctx)
    assert ctx.ran == ["load", "finalizer"]


async def test_table_names_every_task_and_its_result() -> None:
    ctx = Ctx()
    summary = await run_tasks([recorder("a"), recorder("b", Retry(2.5, "leader evicting"))], ctx)
    assert summary.table() == "a=ok | b=retry in 2.5s: leader evicting"
