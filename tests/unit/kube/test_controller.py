import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import structlog

from tikv_operator.kube.client import ApiError
from tikv_operator.kube.clock import ManualClock, settle
from tikv_operator.kube.controller import (
    Controller,
    Enqueue,
    Result,
    TerminalError,
    controlling_owner,
    mapped,
)
from tikv_operator.kube.informer import Event, Informer
from tikv_operator.kube.resources import PD, TIKVGROUP
from tikv_operator.kube.workqueue import ExponentialBackoff, WorkQueue

from .fakes import obj


class Reconciler:
    """Records calls; behaves as told per call (a Result, an exception, or an awaitable)."""

    def __init__(self, *outcomes: Result | Exception | Callable[[], Awaitable[None]]) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[str] = []
        self.called = asyncio.Event()

    async def __call__(self, key: str) -> Result | None:
        self.calls.append(key)
        self.called.set()
        outcome = self.outcomes.pop(0) if self.outcomes else Result()
        if isinstance(outcome, Exception):
            raise outcome
        if callable(outcome):
            await outcome()
            return None
        return outcome


@contextlib.asynccontextmanager
async def running(controller: Controller) -> AsyncIterator[None]:
    task = asyncio.create_task(controller.run())
    await settle()
    try:
        yield
    finally:
        await controller.shutdown(grace=1)
        await task


def controller_with(reconcile: Reconciler, clock: ManualClock, workers: int = 1) -> Controller:
    queue = WorkQueue("test", ExponentialBackoff(1.0, 60.0), clock)
    return Controller("test", reconcile, workers=workers, queue=queue)


async def test_a_successful_reconcile_is_not_repeated() -> None:
    clock = ManualClock()
    reconcile = Reconciler(Result())
    controller = controller_with(reconcile, clock)
    async with running(controller):
        controller.queue.add("ns/a")
        await settle()
        await clock.advance(3600)
    assert reconcile.calls == ["ns/a"]


async def test_an_error_is_retried_with_growing_backoff_until_success() -> None:
    clock = ManualClock()
    reconcile = Reconciler(RuntimeError("boom"), RuntimeError("boom"), Result())
    controller = controller_with(reconcile, clock)
    async with running(controller):
        controller.queue.add("ns/a")
        await settle()
        await clock.advance(1.0)  # first retry after 1 s
        assert len(reconcile.calls) == 2
        await clock.advance(1.0)  # second retry waits 2 s
        assert len(reconcile.calls) == 2
        await clock.advance(1.0)
        assert len(reconcile.calls) == 3
        assert controller.queue.num_requeues("ns/a") == 0  # success resets the backoff
        await clock.advance(3600)
    assert reconcile.calls == ["ns/a"] * 3


async def test_a_terminal_error_is_not_retried() -> None:
    clock = ManualClock()
    reconcile = Reconciler(TerminalError("invalid spec"))
    controller = controller_with(reconcile, clock)
    async with running(controller):
        controller.queue.add("ns/a")
        await settle()
        await clock.advance(3600)
    assert reconcile.calls == ["ns/a"]


async def test_requeue_after_reconciles_again_at_that_time() -> None:
    clock = ManualClock()
    reconcile = Reconciler(Result(requeue_after=30), Result())
    controller = controller_with(reconcile, clock)
    async with running(controller):
        controller.queue.add("ns/a")
        await settle()
        await clock.advance(29)
        assert len(reconcile.calls) == 1
        await clock.advance(1)
        assert len(reconcile.calls) == 2


async def test_a_key_changed_during_its_reconcile_is_reconciled_once_more() -> None:
    clock = ManualClock()
    release = asyncio.Event()
    reconcile = Reconciler(release.wait, Result())  # type: ignore[arg-type]
    controller = controller_with(reconcile, clock, workers=4)
    async with running(controller):
        controller.queue.add("ns/a")
        await settle()
        controller.queue.add("ns/a")
        controller.queue.add("ns/a")
        await settle()
        assert reconcile.calls == ["ns/a"]  # never two reconciles of a key at once
        release.set()
        await settle()
    assert reconcile.calls == ["ns/a", "ns/a"]


async def test_workers_reconcile_different_keys_concurrently() -> None:
    clock = ManualClock()
    release = asyncio.Event()
    reconcile = Reconciler(release.wait, release.wait, release.wait)  # type: ignore[arg-type]
    controller = controller_with(reconcile, clock, workers=3)
    async with running(controller):
        for key in ("ns/a", "ns/b", "ns/c"):
            controller.queue.add(key)
        await settle()
        assert sorted(reconcile.calls) == ["ns/a", "ns/b", "ns/c"]
        release.set()


async def test_shutdown_lets_a_running_reconcile_finish() -> None:
    clock = ManualClock()
    finished = asyncio.Event()

    async def slow() -> None:
        await asyncio.sleep(0.01)
        finished.set()

    controller = controller_with(Reconciler(slow), clock)  # type: ignore[arg-type]
    task = asyncio.create_task(controller.run())
    controller.queue.add("ns/a")
    await settle()
    await controller.shutdown(grace=5)
    await task
    assert finished.is_set()


async def test_shutdown_cancels_a_reconcile_that_overruns_the_grace_period() -> None:
    clock = ManualClock()
    never = asyncio.Event()
    controller = controller_with(Reconciler(never.wait), clock)  # type: ignore[arg-type]
    task = asyncio.create_task(controller.run())
    controller.queue.add("ns/a")
    await settle()
    await controller.shutdown(grace=0.01)
    await asyncio.wait_for(task, 1)
    assert not controller.running


def child(
    name: str, owner_kind: str, owner_name: str, api_version: str = "core.tikv.org/v1alpha1"
) -> dict:  # type: ignore[type-arg]
    ref = {
        "apiVersion": api_version,
        "kind": owner_kind,
        "name": owner_name,
        "uid": "u1",
        "controller": True,
    }
    return obj(name, "1", ownerReferences=[ref])


def test_owned_objects_map_to_their_controlling_owner() -> None:
    mapper = controlling_owner(PD)
    assert list(mapper(Event("ADDED", child("basic-pd-0", "PD", "basic-pd-0")))) == [
        "ns/basic-pd-0"
    ]


def test_objects_owned_by_another_kind_map_to_nothing() -> None:
    mapper = controlling_owner(PD)
    assert list(mapper(Event("ADDED", child("x", "TiKV", "x")))) == []
    assert list(mapper(Event("ADDED", child("x", "PD", "x", api_version="other.io/v1")))) == []
    assert list(mapper(Event("ADDED", obj("x", "1")))) == []


def test_a_non_controller_owner_reference_is_ignored() -> None:
    ref = {"apiVersion": "core.tikv.org/v1alpha1", "kind": "PD", "name": "p", "uid": "u"}
    assert list(controlling_owner(PD)(Event("ADDED", obj("x", "1", ownerReferences=[ref])))) == []


def test_a_changed_owner_maps_to_old_and_new_owner() -> None:
    event = Event("MODIFIED", child("x", "TiKVGroup", "new"), old=child("x", "TiKVGroup", "old"))
    assert list(controlling_owner(TIKVGROUP)(event)) == ["ns/new", "ns/old"]


async def test_watch_enqueues_mapped_keys_from_informer_events() -> None:
    clock = ManualClock()
    reconcile = Reconciler()
    controller = controller_with(reconcile, clock)
    informer = Informer("test", [])
    informer.store.upsert(obj("cluster-1", "1"))
    controller.watch(
        informer,
        mapped(lambda o: [f"ns/{o['metadata']['name']}-pd", f"ns/{o['metadata']['name']}-tikv"]),
    )
    async with running(controller):
        await settle()
    assert sorted(reconcile.calls) == ["ns/cluster-1-pd", "ns/cluster-1-tikv"]


async def test_a_predicate_filters_events() -> None:
    clock = ManualClock()
    reconcile = Reconciler()
    controller = controller_with(reconcile, clock)
    informer = Informer("test", [])
    informer.store.upsert(obj("a", "1"))
    informer.store.upsert(obj("b", "1"))
    controller.watch(informer, predicate=lambda e: e.object["metadata"]["name"] == "b")
    async with running(controller):
        await settle()
    assert reconcile.calls == ["ns/b"]


async def test_an_external_source_runs_with_the_controller_and_enqueues_keys() -> None:
    clock = ManualClock()
    reconcile = Reconciler()
    controller = controller_with(reconcile, clock)
    stopped = asyncio.Event()

    async def poller(enqueue: Enqueue) -> None:
        enqueue("ns/basic-tikv-0")
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    controller.watch_source(poller)
    async with running(controller):
        await settle()
    assert reconcile.calls == ["ns/basic-tikv-0"]
    assert stopped.is_set()


@pytest.mark.parametrize("workers", [1, 4])
async def test_running_reports_true_only_between_start_and_shutdown(workers: int) -> None:
    controller = controller_with(Reconciler(), ManualClock(), workers=workers)
    assert not controller.running
    async with running(controller):
        assert controller.running
    assert not controller.running


@pytest.mark.parametrize(
    ("error", "level", "traceback"),
    [
        (ApiError(404, "NotFound", 'pods "a" not found'), "info", False),
        (ApiError(409, "Conflict", "the object has been modified"), "info", False),
        (ApiError(500, "InternalError", "etcd timed out"), "error", True),
    ],
    ids=["gone", "conflict", "server-error"],
)
async def test_an_expected_race_is_an_info_line_and_is_retried(
    error: ApiError, level: str, traceback: bool
) -> None:
    clock = ManualClock()
    reconcile = Reconciler(error, Result())
    controller = controller_with(reconcile, clock)
    with structlog.testing.capture_logs() as logs:
        async with running(controller):
            controller.queue.add("ns/a")
            await settle()
            await clock.advance(1.0)
    assert reconcile.calls == ["ns/a"] * 2
    (line,) = [entry for entry in logs if "retrying" in entry["event"]]
    assert line["log_level"] == level
    assert ("exc_info" in line) == traceback
