"""Per-path fault injection for the simulator's PD API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    """A rule applied to requests whose path (below ``/pd/api/v1``) starts with `path`.

    `latency` delays the answer; `status` replaces it with an error carrying `message`;
    `timeout` never answers; `no_leader` answers like a PD member that knows no leader.
    `times` limits how many requests the rule hits (None: until cleared).
    """

    path: str = ""
    method: str | None = None
    latency: float = 0.0
    status: int | None = None
    message: str = "injected fault"
    timeout: bool = False
    no_leader: bool = False
    times: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path)


class Faults:
    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.rules.append(fault)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first rule matching the request, counting the hit against its `times`."""
        for rule in self.rules:
            if rule.matches(method, path):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                return rule
        return None
