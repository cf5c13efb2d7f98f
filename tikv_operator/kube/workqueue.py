"""A controller work queue with client-go's semantics.

- A key waiting in the queue is held once, however often it is added.
- A key is handed to one worker at a time: added while being processed, it waits and is
  handed out again after `done`, so the change that caused the add is seen.
- `add_after` delays an add; `add_rate_limited` delays it by the larger of a per-key
  exponential backoff (5 ms doubling up to 1000 s, until `forget`) and an overall token
  bucket (10 per second, bursts of 100), so a storm of failures cannot hammer the API server.
- After `shutdown` nothing new is taken and `get` raises `ShutDown`.
"""

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from typing import Any, Protocol

from tikv_operator import metrics
from tikv_operator.kube.clock import Clock, MonotonicClock


class ShutDown(Exception):
    """The queue is shutting down; the worker should stop."""


class RateLimiter(Protocol):
    def when(self, key: str) -> float:
        """How long to wait before this key's next attempt; counts the attempt."""
        ...

    def forget(self, key: str) -> None: ...

    def retries(self, key: str) -> int: ...


class ExponentialBackoff:
    """Per key: base, 2·base, 4·base, … up to cap, reset by forget."""

    def __init__(self, base: float = 0.005, cap: float = 1000.0) -> None:
        self.base = base
        self.cap = cap
        self._failures: dict[str, int] = {}

    def when(self, key: str) -> float:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        # Past 2**63 steps float math overflows; the cap has long been reached by then.
        return self.cap if failures > 62 else min(self.base * 2**failures, self.cap)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def retries(self, key: str) -> int:
        return self._failures.get(key, 0)


class TokenBucket:
    """An overall limit shared by all keys: `qps` tokens a second, at most `burst` saved up.
    Each call reserves a token, possibly in the future, and returns the wait until then."""

    def __init__(self, qps: float = 10.0, burst: int = 100, clock: Clock | None = None) -> None:
        self.qps = qps
        self.burst = burst
        self._clock = clock or MonotonicClock()
        self._tokens = float(burst)
        self._last = self._clock.now()

    def when(self, key: str) -> float:
        now = self._clock.now()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: str) -> None:
        pass

    def retries(self, key: str) -> int:
        return 0


class MaxOf:
    """The longest wait any of the limiters asks for."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self._limiters = limiters

    def when(self, key: str) -> float:
        return max(limiter.when(key) for limiter in self._limiters)

    def forget(self, key: str) -> None:
        for limiter in self._limiters:
            limiter.forget(key)

    def retries(self, key: str) -> int:
        return max(limiter.retries(key) for limiter in self._limiters)


def default_rate_limiter(clock: Clock | None = None) -> RateLimiter:
    return MaxOf(ExponentialBackoff(0.005, 1000.0), TokenBucket(10.0, 100, clock))


class WorkQueue:
    def __init__(
        self,
        name: str,
        rate_limiter: RateLimiter | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self._clock = clock or MonotonicClock()
        self._limiter = rate_limiter or default_rate_limiter(self._clock)
        self._queue: deque[str] = deque()
        self._dirty: set[str] = set()
        self._processing: dict[str, float] = {}  # key -> when a worker took it
        self._added_at: dict[str, float] = {}
        self._ready = asyncio.Event()
        self._shutting_down = False
        # Delayed adds: a heap of (ready at, seq, key); `_waiting` holds each key's earliest
        # time so that a key is delayed once, for the shortest of the requested delays.
        self._delayed: list[tuple[float, int, str]] = []
        self._waiting: dict[str, float] = {}
        self._seq = itertools.count()
        self._delay_changed = asyncio.Event()
        self._delay_task: asyncio.Task[None] | None = None
        self._depth = metrics.WORKQUEUE_DEPTH.labels(name)
        self._adds = metrics.WORKQUEUE_ADDS.labels(name)
        self._retries = metrics.WORKQUEUE_RETRIES.labels(name)
        self._queue_duration = metrics.WORKQUEUE_QUEUE_DURATION.labels(name)
        self._work_duration = metrics.WORKQUEUE_WORK_DURATION.labels(name)
        # Computed when scraped, so a reconcile that hangs shows up while it hangs.
        metrics.WORKQUEUE_UNFINISHED_WORK.labels(name).set_function(self._unfinished_work)
        metrics.WORKQUEUE_LONGEST_RUNNING.labels(name).set_function(self._longest_running)

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, key: str) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._adds.inc()
        self._dirty.add(key)
        self._added_at.setdefault(key, self._clock.now())
        if key in self._processing:
            return  # `done` puts it back
        self._queue.append(key)
        self._depth.set(len(self._queue))
        self._ready.set()

    def add_after(self, key: str, delay: float) -> None:
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        ready_at = self._clock.now() + delay
        if self._waiting.get(key, float("inf")) <= ready_at:
            return
        self._waiting[key] = ready_at
        heapq.heappush(self._delayed, (ready_at, next(self._seq), key))
        self._delay_changed.set()
        if self._delay_task is None:
            self._delay_task = asyncio.get_running_loop().create_task(self._release_delayed())

    def add_rate_limited(self, key: str) -> None:
        self._retries.inc()
        self.add_after(key, self._limiter.when(key))

    def forget(self, key: str) -> None:
        """Stop tracking the key's failures: its next failure starts the backoff afresh."""
        self._limiter.forget(key)

    def num_requeues(self, key: str) -> int:
        return self._limiter.retries(key)

    async def get(self) -> str:
        """The next key to process; call `done(key)` when finished with it."""
        while True:
            if self._shutting_down:
                raise ShutDown
            if self._queue:
                break
            self._ready.clear()
            await self._ready.wait()
        key = self._queue.popleft()
        self._depth.set(len(self._queue))
        now = self._clock.now()
        self._queue_duration.observe(now - self._added_at.pop(key, now))
        self._processing[key] = now
        self._dirty.discard(key)
        return key

    def done(self, key: str) -> None:
        started = self._processing.pop(key, None)
        if started is not None:
            self._work_duration.observe(self._clock.now() - started)
        if key in self._dirty and not self._shutting_down:
            self._queue.append(key)
            self._depth.set(len(self._queue))
            self._ready.set()

    async def shutdown(self) -> None:
        """Stop handing out keys: waiting and later `get` calls raise ShutDown."""
        self._shutting_down = True
        self._ready.set()
        if self._delay_task is not None:
            self._delay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delay_task

    async def _release_delayed(self) -> None:
        while True:
            now = self._clock.now()
            while self._delayed and self._delayed[0][0] <= now:
                ready_at, _, key = heapq.heappop(self._delayed)
                if self._waiting.get(key) == ready_at:
                    del self._waiting[key]
                    self.add(key)
            self._delay_changed.clear()
            waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._delay_changed.wait())]
            if self._delayed:
                waits.append(asyncio.ensure_future(self._clock.sleep(self._delayed[0][0] - now)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waits:
                    waiter.cancel()

    def _unfinished_work(self) -> float:
        now = self._clock.now()
        return sum(now - started for started in self._processing.values())

    def _longest_running(self) -> float:
        now = self._clock.now()
        return max((now - started for started in self._processing.values()), default=0.0)
