"""The simulator's HTTP server: PD's API under ``/pd/api/v1`` and test controls under ``/sim``."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from aiohttp import web

from hack.pdsim import render
from hack.pdsim.faults import Fault, Faults
from hack.pdsim.model import (
    BUILD_TS,
    GIT_HASH,
    NO_LEADER,
    NOT_BOOTSTRAPPED,
    VERSION,
    PDCluster,
    SimError,
    StoreState,
)

PREFIX = "/pd/api/v1"
FOLLOWER_HANDLE_HEADER = "PD-Allow-follower-handle"
DEFAULT_SCHEDULERS = [
    "balance-hot-region-scheduler",
    "balance-leader-scheduler",
    "balance-region-scheduler",
    "evict-slow-store-scheduler",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def reply(status: int, value: Any) -> web.Response:
    return web.Response(
        status=status, body=render.body(value), content_type="application/json", charset="UTF-8"
    )


def ok(value: Any) -> web.Response:
    return reply(200, value)


def plain_not_found() -> web.Response:
    # Go's ServeMux answer for a scheduler that has no config handler.
    return web.Response(status=404, text="404 page not found\n")


class Simulator:
    """A PD cluster served over HTTP, ticking its schedulers in the background."""

    def __init__(self, cluster: PDCluster, *, tick_interval: float = 0.5) -> None:
        self.cluster = cluster
        self.faults = Faults()
        self.tick_interval = tick_interval
        self.url = ""
        self.tls_url = ""
        self.tls_clients: dict[str, int] = {}
        """PD API requests that came over the TLS listener, by the client certificate's CN."""
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.url = f"http://{host}:{self._runner.addresses[0][1]}"
        if self.tick_interval > 0:
            self._ticker = asyncio.create_task(self._tick_forever())
        return self.url

    async def start_tls(
        self, context: ssl.SSLContext, host: str = "127.0.0.1", port: int = 0
    ) -> str:
        """A second listener serving the same PD over TLS (as a TLS cluster's PD does); the
        plain one stays for the tests' own reads and the /sim controls."""
        assert self._runner is not None, "start() first"
        site = web.TCPSite(self._runner, host, port, ssl_context=context)
        await site.start()
        self.tls_url = f"https://{host}:{self._runner.addresses[-1][1]}"
        return self.tls_url

    async def stop(self) -> None:
        # Releases requests held by a timeout fault, so shutdown need not wait for them.
        self._closing.set()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._runner is not None:
            await self._runner.cleanup()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self.cluster.tick()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._pd_middleware])
        get, post, delete = "GET", "POST", "DELETE"
        routes: list[tuple[str, str, Handler]] = [
            (get, "/members", self.get_members),
            (delete, "/members/name/{name}", self.delete_member_by_name),
            (delete, "/members/id/{id}", self.delete_member_by_id),
            (get, "/health", self.get_health),
            (get, "/leader", self.get_leader),
            (post, "/leader/resign", self.resign_leader),
            (post, "/leader/transfer/{name}", self.transfer_leader),
            (get, "/stores", self.get_stores),
            (delete, "/stores/remove-tombstone", self.remove_tombstones),
            (get, "/store/{id}", self.get_store),
            (delete, "/store/{id}", self.delete_store),
            (post, "/store/{id}/state", self.set_store_state),
            (post, "/store/{id}/label", self.set_store_labels),
            (get, "/schedulers", self.get_schedulers),
            (post, "/schedulers", self.create_scheduler),
            (delete, "/schedulers/{name}", self.delete_scheduler),
            (get, "/scheduler-config/{name}/list", self.list_scheduler_config),
            (delete, "/scheduler-config/{name}/delete/{id}", self.delete_scheduler_config),
            (get, "/config", self.get_config),
            (post, "/config", self.set_config),
            (get, "/config/replicate", self.get_replication),
            (post, "/config/replicate", self.set_replication),
            (get, "/cluster", self.get_cluster),
            (get, "/status", self.get_status),
            (get, "/regions/check/down-peer", self.get_down_peer_regions),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, PREFIX + path, handler)
        app.router.add_get("/health", self.get_health)
        # Every store's status API, under the status address it registered (an operator
        # outside the cluster cannot resolve that name: --tikv-status-url-override).
        app.router.add_post("/tikv/{address}/config", self.tikv_set_config)
        app.router.add_get("/tikv/{address}/config", self.tikv_get_config)
        app.router.add_get("/sim/events", self.sim_events)
        app.router.add_get("/sim/tls-clients", self.sim_tls_clients)
        app.router.add_post("/sim/faults", self.sim_add_fault)
        app.router.add_delete("/sim/faults", self.sim_clear_faults)
        app.router.add_post("/sim/cluster-id", self.sim_cluster_id)
        app.router.add_post("/sim/members", self.sim_add_member)
        app.router.add_post("/sim/members/{name}/health", self.sim_member_health)
        app.router.add_post("/sim/members/{name}/hang", self.sim_hang_member)
        app.router.add_post("/sim/stores", self.sim_put_store)
        app.router.add_post("/sim/stores/{address}/stop", self.sim_stop_store)
        app.router.add_post("/sim/stores/{address}/stick-leaders", self.sim_stick_leaders)
        app.router.add_post("/sim/tick", self.sim_tick)
        return app

    @web.middleware
    async def _pd_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(PREFIX):
            return await handler(request)
        if request.secure:
            self._count_tls_client(request)
        fault = self.faults.take(request.method, request.path.removeprefix(PREFIX))
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.timeout:
                await self._closing.wait()
                return web.Response(status=503, text="simulator stopping\n")
            if fault.no_leader:
                return web.Response(status=503, text=NO_LEADER + "\n")
            if fault.status is not None:
                return reply(fault.status, fault.message)
        # A member without a leader cannot forward the request; PD waits ~3 s, then 503.
        if self.cluster.leader is None and request.headers.get(FOLLOWER_HANDLE_HEADER) != "true":
            return web.Response(status=503, text=NO_LEADER + "\n")
        try:
            return await handler(request)
        except SimError as err:
            return reply(err.status, err.message)

    def _count_tls_client(self, request: web.Request) -> None:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        subject = dict(pair for rdn in (peer or {}).get("subject", ()) for pair in rdn)
        name = str(subject.get("commonName", ""))
        self.tls_clients[name] = self.tls_clients.get(name, 0) + 1

    async def sim_tls_clients(self, _: web.Request) -> web.Response:
        return ok(self.tls_clients)

    # Members and leadership.

    async def get_members(self, _: web.Request) -> web.Response:
        return ok(render.members(self.cluster))

    async def get_health(self, _: web.Request) -> web.Response:
        return ok(render.health(self.cluster))

    async def get_leader(self, _: web.Request) -> web.Response:
        leader = self.cluster.leader
        return ok(render.leader(leader) if leader is not None else {})

    async def resign_leader(self, _: web.Request) -> web.Response:
        self.cluster.resign_leader()
        return ok("The resign command is submitted.")

    async def transfer_leader(self, request: web.Request) -> web.Response:
        self.cluster.transfer_leader(request.match_info["name"])
        return ok("The transfer command is submitted.")

    async def delete_member_by_name(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.cluster.remove_member_by_name(name)
        return ok(f"removed, pd: {name}")

    async def delete_member_by_id(self, request: web.Request) -> web.Response:
        member_id = _uint(request.match_info["id"])
        self.cluster.remove_member_by_id(member_id)
        return ok(f"removed, pd: {member_id}")

    # Stores.

    async def get_stores(self, request: web.Request) -> web.Response:
        self.cluster.require_bootstrapped()
        asked = request.query.getall("state", [])
        states = {StoreState(int(s)) for s in asked} or {StoreState.UP, StoreState.OFFLINE}
        return ok(render.stores(self.cluster, states))

    async def get_store(self, request: web.Request) -> web.Response:
        store = self.cluster.get_store(_uint(request.match_info["id"]))
        return ok(render.store(store))

    async def delete_store(self, request: web.Request) -> web.Response:
        self.cluster.remove_store(_uint(request.match_info["id"]))
        return ok("The store is set as Offline.")

    async def set_store_state(self, request: web.Request) -> web.Response:
        store_id = _uint(request.match_info["id"])
        state = request.query.get("state", "")
        if state.lower() == "up":
            self.cluster.up_store(store_id)
        elif state.lower() == "offline":
            self.cluster.remove_store(store_id)
        else:
            self.cluster.get_store(store_id)
            raise SimError(400, f"invalid state {state}")
        return ok("The store's state is updated.")

    async def set_store_labels(self, request: web.Request) -> web.Response:
        labels = await request.json()
        self.cluster.set_store_labels(_uint(request.match_info["id"]), dict(labels))
        return ok("The store's label is updated.")

    async def remove_tombstones(self, _: web.Request) -> web.Response:
        self.cluster.remove_tombstones()
        return ok("Remove tombstone successfully.")

    # Schedulers.

    async def get_schedulers(self, _: web.Request) -> web.Response:
        self.cluster.require_bootstrapped()
        names = list(DEFAULT_SCHEDULERS)
        if self.cluster.evict_leader_stores:
            names.append("evict-leader-scheduler")
        return ok(sorted(names))

    async def create_scheduler(self, request: web.Request) -> web.Response:
        data = await request.json()
        if data.get("name") != "evict-leader-scheduler":
            raise SimError(400, "unknown scheduler")
        if not isinstance(data.get("store_id"), int | float):
            raise SimError(400, "missing store id")
        self.cluster.require_bootstrapped()
        existed = bool(self.cluster.evict_leader_stores)
        try:
            self.cluster.add_evict_leader(int(data["store_id"]))
        except SimError as err:
            raise SimError(500, err.message) from err
        if existed:
            return ok("The scheduler has been applied to the store.")
        return ok("The scheduler is created.")

    async def delete_scheduler(self, request: web.Request) -> web.Response:
        self.cluster.require_bootstrapped()
        name = request.match_info["name"]
        prefix = "evict-leader-scheduler-"
        if not name.startswith(prefix):
            raise SimError(404, "[PD:scheduler:ErrSchedulerNotFound]scheduler not found")
        self.cluster.remove_evict_leader(_uint(name.removeprefix(prefix)))
        return ok(None)

    async def list_scheduler_config(self, request: web.Request) -> web.Response:
        self._require_scheduler_config()
        if request.match_info["name"] != "evict-leader-scheduler":
            return plain_not_found()
        if not self.cluster.evict_leader_stores:
            return plain_not_found()
        return ok(render.evict_leader_list(self.cluster))

    async def delete_scheduler_config(self, request: web.Request) -> web.Response:
        self._require_scheduler_config()
        if request.match_info["name"] != "evict-leader-scheduler":
            return plain_not_found()
        if not self.cluster.evict_leader_stores:
            return plain_not_found()
        store_id = _uint(request.match_info["id"])
        if store_id not in self.cluster.evict_leader_stores:
            raise SimError(404, "[PD:scheduler:ErrScheduleConfigNotExist]the config does not exist")
        self.cluster.remove_evict_leader(store_id)
        return ok(None if self.cluster.evict_leader_stores else "The last store has been deleted")

    def _require_scheduler_config(self) -> None:
        # PD answers the scheduler-config prefix with 406 before bootstrap, unlike /schedulers.
        if not self.cluster.bootstrapped:
            raise SimError(406, NOT_BOOTSTRAPPED)

    # Configuration and cluster.

    async def get_config(self, _: web.Request) -> web.Response:
        return ok(render.config(self.cluster))

    async def set_config(self, request: web.Request) -> web.Response:
        try:
            items = await request.json()
        except ValueError as err:
            raise SimError(400, str(err)) from err
        if not isinstance(items, dict):
            raise SimError(400, "json: cannot unmarshal into map[string]interface {}")
        self.cluster.set_config(items)
        return ok("The config is updated.")

    async def get_replication(self, _: web.Request) -> web.Response:
        return ok(render.replication(self.cluster))

    async def set_replication(self, request: web.Request) -> web.Response:
        data = await request.json()
        settings = self.cluster.settings
        if "max-replicas" in data:
            settings.max_replicas = int(data["max-replicas"])
        if "location-labels" in data:
            settings.location_labels = [x for x in str(data["location-labels"]).split(",") if x]
        return ok("The config is updated.")

    async def get_cluster(self, _: web.Request) -> web.Response:
        return ok({"id": self.cluster.cluster_id, "max_peer_count": 3})

    async def get_status(self, _: web.Request) -> web.Response:
        return ok(
            {
                "build_ts": BUILD_TS,
                "version": VERSION,
                "git_hash": GIT_HASH,
                "start_timestamp": self.cluster.start_timestamp,
            }
        )

    async def get_down_peer_regions(self, _: web.Request) -> web.Response:
        self.cluster.require_bootstrapped()
        return ok(render.down_peer_regions(self.cluster))

    # TiKV status API (plain text errors, an empty 200 on success, like TiKV).

    async def tikv_set_config(self, request: web.Request) -> web.Response:
        try:
            items = await request.json()
        except ValueError as err:
            return web.Response(status=500, text=f"failed to decode, error: {err}")
        try:
            self.cluster.set_store_config(request.match_info["address"], items)
        except SimError as err:
            return web.Response(status=err.status, text=err.message)
        return web.Response(status=200)

    async def tikv_get_config(self, request: web.Request) -> web.Response:
        address = request.match_info["address"]
        store = next((s for s in self.cluster.stores.values() if s.status_address == address), None)
        if store is None:
            return web.Response(status=503, text=f"no TiKV answers at {address}")
        return ok(store.config)

    # Test controls.

    async def sim_events(self, _: web.Request) -> web.Response:
        return ok([asdict(e) for e in self.cluster.events])

    async def sim_add_fault(self, request: web.Request) -> web.Response:
        self.faults.add(Fault.from_json(await request.json()))
        return ok("ok")

    async def sim_clear_faults(self, _: web.Request) -> web.Response:
        self.faults.clear()
        return ok("ok")

    async def sim_cluster_id(self, request: web.Request) -> web.Response:
        self.cluster.set_cluster_id(int((await request.json())["id"]))
        return ok("ok")

    async def sim_add_member(self, request: web.Request) -> web.Response:
        data = await request.json()
        try:
            member = self.cluster.add_member(
                data["name"],
                data["peer_urls"],
                data["client_urls"],
                data.get("version", ""),
                data.get("data", ""),
            )
        except SimError as err:
            return reply(err.status, err.message)
        return ok(render.member(member))

    async def sim_member_health(self, request: web.Request) -> web.Response:
        """Set a member's health until the next Pod event of its Pod says otherwise."""
        healthy = bool((await request.json())["healthy"])
        self.cluster.set_member_health(request.match_info["name"], healthy)
        return ok("ok")

    async def sim_hang_member(self, request: web.Request) -> web.Response:
        """Hang a member's pd-server (`{"hung": true}`, the default): unhealthy while its Pod
        keeps running, until it is removed from PD; `{"hung": false}` lets it recover."""
        body = await request.json() if request.can_read_body else {}
        try:
            self.cluster.hang_member(request.match_info["name"], bool(body.get("hung", True)))
        except SimError as err:
            return reply(err.status, err.message)
        return ok("ok")

    async def sim_put_store(self, request: web.Request) -> web.Response:
        data = await request.json()
        store = self.cluster.put_store(
            data["address"],
            data.get("status_address", ""),
            data.get("version", ""),
            heartbeat=data.get("heartbeat", True),
        )
        return ok(render.store(store))

    async def sim_stop_store(self, request: web.Request) -> web.Response:
        self.cluster.stop_heartbeat(request.match_info["address"])
        return ok("ok")

    async def sim_stick_leaders(self, request: web.Request) -> web.Response:
        store = self.cluster.store_by_address(request.match_info["address"])
        if store is None:
            raise SimError(404, "no live store at that address")
        self.cluster.stick_leaders(store.id)
        return ok("ok")

    async def sim_tick(self, request: web.Request) -> web.Response:
        for _ in range(int(request.query.get("times", "1"))):
            self.cluster.tick()
        return ok("ok")


def _uint(text: str) -> int:
    if not text.isdigit():
        raise SimError(400, f'strconv.ParseUint: parsing "{text}": invalid syntax')
    return int(text)
