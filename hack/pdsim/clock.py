"""Clocks for the simulator: wall time, optionally running faster, or driven by a test."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Simulated seconds since the epoch."""
        ...


class ScaledClock:
    """Wall time that runs `speed` times faster from the moment it is created.

    Heartbeat thresholds (20 s to Disconnected, 30 min to Down) are in simulated time, so a
    speed of 60 makes a store Down after 30 real seconds.
    """

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._epoch = time.time()
        self._start = time.monotonic()

    def now(self) -> float:
        return self._epoch + (time.monotonic() - self._start) * self.speed


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
