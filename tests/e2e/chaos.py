"""The faults a seeded chaos run injects (DESIGN §9), one at a time, every few seconds:

- the operator SIGKILLed and restarted (it runs with leader election, as deployed, on short
  Lease timings so a restart does not wait 15 s);
- PD answering 503, timing out, without a leader, or slowly, for a few requests;
- PD answering with another cluster id for a few seconds (the URL reaching another
  cluster's PD), then its own again;
- API-server conflicts: the test touches the annotations of the groups and instances the
  operator writes, many times a second, so its resourceVersion-preconditioned writes fail;
- the operator's connections to the API server cut (watches end mid-stream), through a
  TCP proxy it reaches the API server by;
- a second operator started beside the first for a few seconds: the Lease must keep one
  acting.

Every fault undoes itself (restores the cluster id, stops the second operator) even when
the run is cancelled in the middle of it."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tikv_operator.kube import resources
from tikv_operator.kube.client import ApiError

from .harness import E2E, Operator
from .tcpproxy import TCPProxy

LEASE_FLAGS = (
    "--leader-elect",
    "--leader-elect-lease-duration=4s",
    "--leader-elect-renew-deadline=3s",
    "--leader-elect-retry-period=500ms",
)


def proxied_kubeconfig(kubeconfig: Path, proxy: TCPProxy, target: Path) -> Path:
    """`kubeconfig` with the API server reached through `proxy` (same CA, same token)."""
    config = json.loads(kubeconfig.read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = f"https://127.0.0.1:{proxy.port}"
    target.write_text(json.dumps(config))
    return target


def pd_faults(rng: random.Random) -> Iterator[dict[str, Any]]:
    """PD faults, each for a few requests of the operator's (the poller's and the writes')."""
    while True:
        yield rng.choice(
            [
                {"status": 503, "message": "injected: PD unavailable", "times": rng.randint(2, 8)},
                {"timeout": True, "times": rng.randint(1, 3)},
                {"no_leader": True, "times": rng.randint(2, 8)},
                {"latency": rng.uniform(0.5, 2.0), "times": rng.randint(2, 6)},
            ]
        )


@dataclass
class Chaos:
    e2e: E2E
    rng: random.Random
    proxy: TCPProxy
    log: list[str] = field(default_factory=list)
    _pd: Iterator[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self._pd = pd_faults(self.rng)

    async def run(self) -> None:
        """Until cancelled: every few seconds, one fault, chosen by the seed."""
        faults: list[Callable[[], Coroutine[Any, Any, None]]] = [
            self.kill_operator,
            self.kill_operator,
            self.break_pd,
            self.break_pd,
            self.foreign_cluster_id,
            self.conflicts,
            self.cut_watches,
            self.second_operator,
        ]
        while True:
            await asyncio.sleep(self.rng.uniform(2.0, 8.0))
            await self.rng.choice(faults)()

    async def kill_operator(self) -> None:
        self.log.append("SIGKILL operator")
        self.e2e.operator.kill()
        await asyncio.sleep(self.rng.uniform(0.0, 3.0))
        await asyncio.to_thread(self.e2e.operator.start)

    async def break_pd(self) -> None:
        fault = next(self._pd)
        self.log.append(f"PD fault {fault}")
        self.e2e.sim.post("/sim/faults", fault)

    async def foreign_cluster_id(self) -> None:
        own = int(self.e2e.sim.pd("/cluster").get("id") or 0)
        if not own:
            return
        seconds = self.rng.uniform(2.0, 5.0)
        self.log.append(f"foreign cluster id for {seconds:.1f}s")
        self.e2e.sim.post("/sim/cluster-id", {"id": own + 1})
        try:
            await asyncio.sleep(seconds)
        finally:
            self.e2e.sim.post("/sim/cluster-id", {"id": own})

    async def conflicts(self) -> None:
        seconds = self.rng.uniform(2.0, 5.0)
        self.log.append(f"conflicting writes for {seconds:.1f}s")
        kinds = (resources.TIKVGROUP, resources.PDGROUP, resources.TIKV, resources.PD)
        deadline = asyncio.get_running_loop().time() + seconds
        touch = 0
        while asyncio.get_running_loop().time() < deadline:
            touch += 1
            for kind in kinds:
                for name in await self.e2e.names(kind):
                    patch = {"metadata": {"annotations": {"chaos.tikv.org/touch": str(touch)}}}
                    try:
                        await self.e2e.patch(kind, patch, name)
                    except ApiError:  # gone meanwhile: nothing to touch
                        continue
            await asyncio.sleep(0.1)

    async def cut_watches(self) -> None:
        self.log.append("API connections cut")
        self.proxy.cut()

    async def second_operator(self) -> None:
        seconds = self.rng.uniform(3.0, 8.0)
        self.log.append(f"second operator for {seconds:.1f}s")
        first = self.e2e.operator
        second = Operator(
            first.kubeconfig,
            first.namespace,
            first.pd_url,
            first.log_dir / f"second-{len(self.log)}",
            extra=first.extra,
            env=first.env,
        )
        await asyncio.to_thread(second.start)
        try:
            await asyncio.sleep(seconds)
        finally:
            second.stop()
