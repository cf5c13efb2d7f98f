import asyncio
import itertools

import pytest

from tikv_operator.kube.clock import ManualClock, settle
from tikv_operator.kube.workqueue import ExponentialBackoff, MaxOf, ShutDown, TokenBucket, WorkQueue


class NoLimit:
    def when(self, key: str) -> float:
        return 0.0

    def forget(self, key: str) -> None:
        pass

    def retries(self, key: str) -> int:
        return 0


async def drain(queue: WorkQueue) -> list[str]:
    keys = []
    while len(queue):
        key = await queue.get()
        keys.append(key)
        queue.done(key)
    return keys


async def test_a_key_added_twice_is_handed_out_once() -> None:
    queue = WorkQueue("t-dedupe")
    queue.add("ns/a")
    queue.add("ns/b")
    queue.add("ns/a")
    assert await drain(queue) == ["ns/a", "ns/b"]


async def test_a_key_added_while_processing_is_handed_out_again_after_done() -> None:
    queue = WorkQueue("t-inflight")
    queue.add("ns/a")
    key = await queue.get()
    queue.add("ns/a")
    queue.add("ns/a")
    assert len(queue) == 0  # not handed to a second worker while the first holds it
    queue.done(key)
    assert await drain(queue) == ["ns/a"]


async def test_a_key_being_processed_is_not_given_to_another_worker() -> None:
    queue = WorkQueue("t-exclusive")
    queue.add("ns/a")
    await queue.get()
    queue.add("ns/a")
    second = asyncio.create_task(queue.get())
    await settle()
    assert not second.done()
    queue.done("ns/a")
    assert await asyncio.wait_for(second, 1) == "ns/a"


async def test_get_waits_for_an_add() -> None:
    queue = WorkQueue("t-wait")
    getter = asyncio.create_task(queue.get())
    await settle()
    assert not getter.done()
    queue.add("ns/a")
    assert await asyncio.wait_for(getter, 1) == "ns/a"


async def test_add_after_releases_the_key_when_its_time_comes() -> None:
    clock = ManualClock()
    queue = WorkQueue("t-after", NoLimit(), clock)
    queue.add_after("ns/a", 10)
    await settle()
    await clock.advance(9.9)
    assert len(queue) == 0
    await clock.advance(0.1)
    assert await drain(queue) == ["ns/a"]
    await queue.shutdown()


async def test_add_after_keeps_the_earliest_time_for_a_key() -> None:
    clock = ManualClock()
    queue = WorkQueue("t-after-earliest", NoLimit(), clock)
    queue.add_after("ns/a", 30)
    queue.add_after("ns/a", 5)
    queue.add_after("ns/a", 60)
    await settle()
    await clock.advance(5)
    assert await drain(queue) == ["ns/a"]
    await clock.advance(100)
    assert len(queue) == 0
    await queue.shutdown()


async def test_add_rate_limited_delays_by_the_limiter() -> None:
    clock = ManualClock()
    queue = WorkQueue("t-limited", ExponentialBackoff(1.0, 100.0), clock)
    queue.add_rate_limited("ns/a")
    await settle()
    assert len(queue) == 0
    await clock.advance(1.0)
    assert await drain(queue) == ["ns/a"]
    assert queue.num_requeues("ns/a") == 1
    queue.forget("ns/a")
    assert queue.num_requeues("ns/a") == 0
    await queue.shutdown()


def test_backoff_doubles_per_failure_from_5ms_up_to_1000s() -> None:
    backoff = ExponentialBackoff(0.005, 1000.0)
    delays = [backoff.when("ns/a") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 1000.0
    assert all(b == min(2 * a, 1000.0) for a, b in itertools.pairwise(delays))


def test_backoff_is_per_key_and_reset_by_forget() -> None:
    backoff = ExponentialBackoff(0.005, 1000.0)
    for _ in range(5):
        backoff.when("ns/a")
    assert backoff.when("ns/b") == 0.005
    backoff.forget("ns/a")
    assert backoff.when("ns/a") == 0.005


def test_backoff_survives_very_many_failures() -> None:
    backoff = ExponentialBackoff(0.005, 1000.0)
    for _ in range(2000):
        delay = backoff.when("ns/a")
    assert delay == 1000.0


def test_token_bucket_allows_a_burst_then_spaces_out_at_qps() -> None:
    clock = ManualClock()
    bucket = TokenBucket(qps=10, burst=100, clock=clock)
    assert [bucket.when(f"k{i}") for i in range(100)] == [0.0] * 100
    assert bucket.when("k100") == pytest.approx(0.1)
    assert bucket.when("k101") == pytest.approx(0.2)


async def test_token_bucket_refills_over_time() -> None:
    clock = ManualClock()
    bucket = TokenBucket(qps=10, burst=100, clock=clock)
    for i in range(100):
        bucket.when(f"k{i}")
    await clock.advance(1.0)  # ten tokens' worth
    assert [bucket.when(f"r{i}") for i in range(10)] == [0.0] * 10
    assert bucket.when("r10") > 0


def test_combined_limiter_takes_the_longest_wait() -> None:
    clock = ManualClock()
    limiter = MaxOf(ExponentialBackoff(0.005, 1000.0), TokenBucket(10, 1, clock))
    assert limiter.when("ns/a") == 0.005  # bucket has a token; backoff decides
    assert limiter.when("ns/b") == pytest.approx(0.1)  # bucket empty; it decides


async def test_shutdown_wakes_waiting_workers_with_shutdown() -> None:
    queue = WorkQueue("t-shutdown-wait")
    waiting = asyncio.create_task(queue.get())
    await settle()
    await queue.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(waiting, 1)


async def test_shutdown_stops_handing_out_queued_keys_and_ignores_adds() -> None:
    queue = WorkQueue("t-shutdown")
    queue.add("ns/a")
    await queue.shutdown()
    queue.add("ns/b")
    assert len(queue) == 1
    with pytest.raises(ShutDown):
        await queue.get()
