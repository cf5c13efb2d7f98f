import asyncio
import contextlib
import random

import pytest

from tikv_operator.kube.cache import BY_NAMESPACE
from tikv_operator.kube.client import ObjectList, WatchEvent
from tikv_operator.kube.informer import Event, Informer, InformerSettings

from .fakes import Hang, ScriptedListWatcher, gone, obj

FAST = InformerSettings(inactivity_timeout=0.05, backoff_initial=1.0, backoff_max=4.0)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.sleeps: list[float] = []

    def __call__(self, event: Event) -> None:
        meta = event.object["metadata"]
        self.events.append((event.type, meta["name"], meta["resourceVersion"]))

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


async def informed(
    *sources: ScriptedListWatcher, settings: InformerSettings = FAST
) -> tuple[Informer, Recorder]:
    """Run an informer over scripted sources until each has played its whole script."""
    recorder = Recorder()
    informer = Informer(
        "test", sources, settings=settings, sleep=recorder.sleep, rng=random.Random(1)
    )
    informer.add_handler(recorder)
    task = asyncio.create_task(informer.run())
    try:
        await asyncio.wait_for(asyncio.gather(*(s.exhausted.wait() for s in sources)), 5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return informer, recorder


async def test_list_fills_the_cache_and_reports_each_object_as_added() -> None:
    source = ScriptedListWatcher([ObjectList([obj("a", "1"), obj("b", "2")], "10")], [])
    informer, seen = await informed(source)
    assert sorted(informer.store.keys()) == ["ns/a", "ns/b"]
    assert seen.events == [("ADDED", "a", "1"), ("ADDED", "b", "2")]
    assert informer.synced


async def test_watch_starts_from_the_lists_resource_version_with_a_jittered_timeout() -> None:
    source = ScriptedListWatcher([ObjectList([], "10")], [[]])
    await informed(source, settings=InformerSettings(min_watch_timeout=300, max_watch_timeout=600))
    version, timeout = source.watch_calls[0]
    assert version == "10"
    assert 300 <= timeout <= 600


async def test_watch_events_update_the_cache_in_order() -> None:
    stream = [
        WatchEvent("ADDED", obj("c", "11")),
        WatchEvent("MODIFIED", obj("a", "12", labels={"x": "y"})),
        WatchEvent("DELETED", obj("b", "13")),
    ]
    source = ScriptedListWatcher([ObjectList([obj("a", "1"), obj("b", "2")], "10")], [stream])
    informer, seen = await informed(source)
    assert seen.events[2:] == [
        ("ADDED", "c", "11"),
        ("MODIFIED", "a", "12"),
        ("DELETED", "b", "13"),
    ]
    assert sorted(informer.store.keys()) == ["ns/a", "ns/c"]
    assert informer.store.get("ns/a") == obj("a", "12", labels={"x": "y"})


async def test_modified_event_carries_the_object_it_replaced() -> None:
    old = obj("a", "1")
    source = ScriptedListWatcher(
        [ObjectList([old], "10")], [[WatchEvent("MODIFIED", obj("a", "2"))]]
    )
    olds: list[object] = []
    informer = Informer("test", [source], settings=FAST)
    informer.add_handler(lambda e: olds.append(e.old))
    task = asyncio.create_task(informer.run())
    await asyncio.wait_for(source.exhausted.wait(), 5)
    task.cancel()
    assert olds == [None, old]


async def test_a_server_side_timeout_rewatches_from_the_last_version_seen_without_listing() -> None:
    first = [
        WatchEvent("ADDED", obj("c", "11")),
        WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "15"}}),
    ]
    source = ScriptedListWatcher([ObjectList([], "10")], [first, []])
    _, seen = await informed(source)
    assert [v for v, _ in source.watch_calls] == ["10", "15", "15"]
    assert source.list_calls == 1
    assert seen.events == [("ADDED", "c", "11")]  # bookmarks are not events


async def test_gone_relists_at_once_and_reports_what_changed_meanwhile() -> None:
    source = ScriptedListWatcher(
        [
            ObjectList([obj("a", "1"), obj("b", "2"), obj("c", "3")], "10"),
            ObjectList([obj("a", "1"), obj("b", "20"), obj("d", "21")], "30"),
        ],
        [[gone()]],
    )
    informer, seen = await informed(source)
    assert seen.events[3:] == [("DELETED", "c", "3"), ("MODIFIED", "b", "20"), ("ADDED", "d", "21")]
    assert sorted(informer.store.keys()) == ["ns/a", "ns/b", "ns/d"]
    assert source.watch_calls[-1][0] == "30"
    assert seen.sleeps == []  # no backoff for an expired version


async def test_a_stream_failure_relists_after_a_growing_backoff() -> None:
    source = ScriptedListWatcher(
        [
            ObjectList([], "10"),
            ConnectionError("refused"),
            ConnectionError("refused"),
            ObjectList([], "40"),
        ],
        [[ConnectionResetError("reset")], []],
    )
    _, seen = await informed(source)
    assert source.list_calls == 4
    assert seen.sleeps == [1.0, 2.0, 4.0]


async def test_backoff_resets_after_a_watch_ends_normally() -> None:
    source = ScriptedListWatcher(
        [ObjectList([], "10"), ObjectList([], "20"), ObjectList([], "30")],
        [[ConnectionResetError()], [], [ConnectionResetError()]],
    )
    _, seen = await informed(source)
    assert seen.sleeps == [1.0, 1.0]


async def test_a_quiet_stream_is_abandoned_and_watched_again() -> None:
    source = ScriptedListWatcher(
        [ObjectList([], "10")], [[WatchEvent("ADDED", obj("a", "11")), Hang()]]
    )
    await informed(source)
    assert [v for v, _ in source.watch_calls] == ["10", "11"]
    assert source.list_calls == 1


async def test_synced_waits_for_every_namespace() -> None:
    first = ScriptedListWatcher([ObjectList([obj("a", "1", namespace="one")], "10")], [])
    blocked = asyncio.Event()

    class SlowList(ScriptedListWatcher):
        async def list(self) -> ObjectList:
            await blocked.wait()
            return await super().list()

    second = SlowList([ObjectList([obj("b", "1", namespace="two")], "10")], [])
    informer = Informer("test", [first, second], settings=FAST)
    task = asyncio.create_task(informer.run())
    await asyncio.wait_for(first.exhausted.wait(), 5)
    assert not informer.synced
    blocked.set()
    await asyncio.wait_for(informer.wait_synced(), 5)
    assert [o["metadata"]["name"] for o in informer.store.by_index(BY_NAMESPACE, "two")] == ["b"]
    task.cancel()


async def test_a_relist_in_one_namespace_leaves_the_others_alone() -> None:
    one = ScriptedListWatcher([ObjectList([obj("a", "1", namespace="one")], "10")], [])
    two = ScriptedListWatcher(
        [ObjectList([obj("b", "1", namespace="two")], "10"), ObjectList([], "20")], [[gone()]]
    )
    informer, seen = await informed(one, two)
    assert informer.store.keys() == ["one/a"]
    assert ("DELETED", "b", "1") in seen.events


async def test_a_late_handler_is_told_about_cached_objects() -> None:
    source = ScriptedListWatcher([ObjectList([obj("a", "1")], "10")], [])
    informer, _ = await informed(source)
    late = Recorder()
    informer.add_handler(late)
    assert late.events == [("ADDED", "a", "1")]


async def test_a_failing_handler_does_not_stop_the_informer() -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("bug")

    source = ScriptedListWatcher(
        [ObjectList([obj("a", "1")], "10")], [[WatchEvent("ADDED", obj("b", "2"))]]
    )
    informer = Informer("test", [source], settings=FAST)
    informer.add_handler(broken)
    task = asyncio.create_task(informer.run())
    await asyncio.wait_for(source.exhausted.wait(), 5)
    task.cancel()
    assert sorted(informer.store.keys()) == ["ns/a", "ns/b"]


@pytest.mark.parametrize("event_type", ["ADDED", "MODIFIED"])
async def test_an_update_for_an_unknown_object_is_reported_as_added(event_type: str) -> None:
    source = ScriptedListWatcher([ObjectList([], "10")], [[WatchEvent(event_type, obj("a", "11"))]])  # type: ignore[arg-type]
    _, seen = await informed(source)
    assert seen.events == [("ADDED", "a", "11")]
