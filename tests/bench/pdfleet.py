"""One PD simulator process serving many clusters: `python -m tests.bench.pdfleet`.

Each cluster gets its own simulated PD (`hack.pdsim`'s `PDCluster` behind its `Simulator`
HTTP app) on its own loopback port, fed by its own follower of that namespace's PD/TiKV
Pods, so what each cluster's PD answers is exactly what `python -m hack.pdsim
--follow-namespace NS --follow-cluster NAME` would answer. They share one process and one
event loop: a fleet of 100 clusters is one Python process (~50 MB) instead of 100.

On top of the simulator's own API, every port answers `GET /sim/requests` with the PD
API requests it received, counted by method, route (`/pd/api/v1/store/{id}`) and status,
so the fleet bench can cross-check the operator's own `tikv_operator_pd_requests_total`.
Requests answered by the simulator's fault/no-leader middleware are counted too (the
counter is the outermost middleware).

    python -m tests.bench.pdfleet --kubeconfig K --cluster NS/NAME [--cluster ...] \\
        --ready-file PATH [--max-store-down-time 60] [--objects tidb-operator-v2]

`--objects tidb-operator-v2` follows tidb-operator v2's Pods instead of ours (its labels,
its PD member names, its store addresses: `hack.pdsim.v2`), for the side-by-side bench.

Once every cluster listens, `--ready-file` receives `{"NS/NAME": "http://127.0.0.1:PORT"}`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from hack.pdsim.app import PREFIX, Handler, Simulator, ok
from hack.pdsim.clock import ScaledClock
from hack.pdsim.follow import TIKV_OPERATOR, Flavour, follow
from hack.pdsim.model import PDCluster, Settings
from hack.pdsim.v2 import TIDB_OPERATOR_V2

FLAVOURS: dict[str, Flavour] = {
    "tikv-operator": TIKV_OPERATOR,
    "tidb-operator-v2": TIDB_OPERATOR_V2,
}


class CountingSimulator(Simulator):
    """The simulator's app, plus a count of the PD API requests it answered."""

    def __init__(self, cluster: PDCluster, *, tick_interval: float = 0.5) -> None:
        super().__init__(cluster, tick_interval=tick_interval)
        self.requests: Counter[tuple[str, str, int]] = Counter()

    def app(self) -> web.Application:
        app = super().app()
        app.middlewares.insert(0, self._count)
        app.router.add_get("/sim/requests", self.sim_requests)
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(PREFIX):
            return await handler(request)
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as err:
            status = err.status
            raise
        finally:
            self.requests[(request.method, _route(request), status)] += 1

    async def sim_requests(self, _: web.Request) -> web.Response:
        rows = [
            {"method": method, "route": route, "code": code, "count": count}
            for (method, route, code), count in sorted(self.requests.items())
        ]
        return ok(rows)


def _route(request: web.Request) -> str:
    """The route template (`/pd/api/v1/store/{id}`), so per-store paths count together."""
    resource = getattr(request.match_info.route, "resource", None)
    canonical = getattr(resource, "canonical", None)
    return str(canonical) if canonical else request.path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.bench.pdfleet", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--cluster", action="append", required=True, metavar="NS/NAME")
    p.add_argument("--ready-file", type=Path, required=True)
    p.add_argument("--tick", type=float, default=0.5)
    p.add_argument("--max-replicas", type=int, default=3)
    p.add_argument("--regions", type=int, default=12)
    p.add_argument("--moves-per-tick", type=int, default=2)
    p.add_argument("--max-store-down-time", type=float, default=1800.0, help="seconds")
    p.add_argument("--objects", choices=sorted(FLAVOURS), default="tikv-operator")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    sims: list[CountingSimulator] = []
    followers: list[asyncio.Task[None]] = []
    urls: dict[str, str] = {}
    try:
        for key in args.cluster:
            namespace, _, name = key.partition("/")
            settings = Settings(
                max_replicas=args.max_replicas,
                regions=args.regions,
                moves_per_tick=args.moves_per_tick,
                max_store_down_time=args.max_store_down_time,
            )
            cluster = PDCluster(ScaledClock(), settings)
            sim = CountingSimulator(cluster, tick_interval=args.tick)
            urls[key] = await sim.start(args.host, 0)
            sims.append(sim)
            followers.append(
                asyncio.create_task(
                    follow(
                        cluster, namespace, args.kubeconfig, name or None, FLAVOURS[args.objects]
                    )
                )
            )
        tmp = args.ready_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(urls, indent=2))
        tmp.rename(args.ready_file)
        print(f"pdfleet: {len(urls)} simulated PDs listening", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        for task in followers:
            task.cancel()
        for task in followers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for sim in sims:
            await sim.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # One line per PD request would cost the shared process more than answering it.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    args: Any = parse_args(argv)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
