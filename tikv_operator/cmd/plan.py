"""`tikv-operator plan NAMESPACE/CLUSTER`: what each controller would do next, and why it
waits, without doing it.

It runs the controllers' own reconciles (the same task lists, the same decisions) once for
the Cluster, its groups and its instances, over caches listed from the API server and one
snapshot of PD, through clients that read for real and record every write instead of
sending it. Each object's line is its task results (a hold says what blocks it); below it,
the writes it would make and the events it would emit.
Exit status: 0 printed, 2 could not plan.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from controllers.common.deps import ControllerSettings, Deps
from tikv_operator.cmd.run import CONTROLLERS, informer_kinds
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Store
from tikv_operator.kube.client import JSON, ApiError, Client
from tikv_operator.kube.config import new_api_client
from tikv_operator.kube.events import EventRecorder, EventType
from tikv_operator.kube.resources import Object, ResourceKind, cache_selector
from tikv_operator.pdapi import PDClient
from tikv_operator.pdapi.poller import Pollers

UNPLANNED = 2


@dataclass
class Actions:
    """What the dry run would have done, in order."""

    lines: list[str] = field(default_factory=list)

    def take(self) -> list[str]:
        taken, self.lines = self.lines, []
        return taken


def _short(body: Any) -> str:
    text = json.dumps(body, separators=(",", ":"), sort_keys=True) if body is not None else ""
    return text if len(text) <= 200 else text[:197] + "..."


class DryRunClient(Client):
    """Reads go to the API server; writes are recorded and answered as if they succeeded."""

    def __init__(self, api: Any, actions: Actions) -> None:
        super().__init__(api)
        self.actions = actions

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        content_type: str = JSON,
        request_timeout: Any = None,
    ) -> Object:
        if method == "GET":
            return await super().request(
                method, path, query=query, body=body, request_timeout=request_timeout
            )
        self.actions.lines.append(f"would {method} {path} {_short(body)}".rstrip())
        if method == "POST" and isinstance(body, dict):
            meta = {"uid": "dry-run", "resourceVersion": "0", **(body.get("metadata") or {})}
            return {**body, "metadata": meta}
        if method in ("PATCH", "PUT"):
            try:
                return await super().request("GET", path, request_timeout=request_timeout)
            except ApiError:
                return dict(body) if isinstance(body, dict) else {}
        return {}


class DryRunPD(httpx.AsyncBaseTransport):
    """PD's reads go to PD; its writes are recorded and answered with a plain message."""

    def __init__(self, actions: Actions) -> None:
        self._real = httpx.AsyncHTTPTransport()
        self.actions = actions

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return await self._real.handle_async_request(request)
        body = (await request.aread()).decode()
        line = f"would {request.method} PD {request.url.path} {body}".rstrip()
        self.actions.lines.append(line)
        return httpx.Response(200, json="planned, not sent")

    async def aclose(self) -> None:
        await self._real.aclose()


class PlannedEvents(EventRecorder):
    def __init__(self, client: Client, actions: Actions) -> None:
        super().__init__(client)
        self.actions = actions

    def record(
        self, regarding: Object, event_type: EventType, reason: str, action: str, note: str
    ) -> None:
        self.actions.lines.append(f"would emit {event_type} {reason}: {note}")


async def _caches(client: Client, namespace: str) -> dict[ResourceKind, Store]:
    caches: dict[ResourceKind, Store] = {}
    for kind in informer_kinds():
        store = Store()
        where = namespace if kind.namespaced else None
        listed = await client.list(kind, where, label_selector=cache_selector(kind))
        for obj in listed.items:
            store.upsert(obj)
        caches[kind] = store
    return caches


def _keys(
    caches: dict[ResourceKind, Store], namespace: str, name: str
) -> Iterable[tuple[str, str]]:
    """(controller, key) of the Cluster, then its groups, then its instances."""
    yield "cluster", f"{namespace}/{name}"
    for controller, kind in (
        ("pdgroup", resources.PDGROUP),
        ("tikvgroup", resources.TIKVGROUP),
        ("pd", resources.PD),
        ("tikv", resources.TIKV),
    ):
        for obj in sorted(caches[kind].objects(), key=lambda o: str(o["metadata"]["name"])):
            meta = obj["metadata"]
            if ((obj.get("spec") or {}).get("cluster") or {}).get("name") == name:
                yield controller, f"{meta['namespace']}/{meta['name']}"


async def plan_cluster(client: Client, actions: Actions, key: str, pd_url: str | None) -> str:
    namespace, _, name = key.partition("/")
    if await client.get_or_none(resources.CLUSTER, name, namespace) is None:
        raise LookupError(f"Cluster {key} does not exist")
    caches = await _caches(client, namespace)
    pollers = Pollers(
        make_client=lambda cluster, url, _tls: PDClient(
            url, cluster=cluster, transport=DryRunPD(actions)
        )
    )
    deps = Deps(
        client=client,
        events=PlannedEvents(client, actions),
        caches=caches,
        pd=pollers,
        settings=ControllerSettings(pd_url_overrides={key: pd_url} if pd_url else {}),
    )
    reconcilers = {c.NAME: c.RECONCILER for c in CONTROLLERS}
    out = []
    try:
        for controller, object_key in _keys(caches, namespace, name):
            summary = await reconcilers[controller].plan(deps, object_key)
            if controller == "cluster":
                poller = pollers.get(key)
                if poller is not None:
                    # The Cluster's reconcile started PD's poller: every other one reads it.
                    await poller.fresh()
            out.append(f"{controller} {object_key.partition('/')[2]}: {summary.table()}")
            out += [f"    {line}" for line in actions.take()]
    finally:
        await pollers.close()
    return "\n".join(out)


async def _plan(args: argparse.Namespace) -> int:
    actions = Actions()
    client = DryRunClient(await new_api_client(args.kubeconfig), actions)
    try:
        print(await plan_cluster(client, actions, args.cluster, args.pd_url))
    except LookupError as e:
        print(f"tikv-operator plan: {e}", file=sys.stderr)
        return UNPLANNED
    finally:
        await client.close()
    return 0


def plan(args: argparse.Namespace) -> int:
    if args.cluster.count("/") != 1 or not all(args.cluster.split("/")):
        print("tikv-operator plan: expected NAMESPACE/CLUSTER", file=sys.stderr)
        return UNPLANNED
    return asyncio.run(_plan(args))


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cluster", metavar="NAMESPACE/CLUSTER")
    parser.add_argument("--kubeconfig", help="default: in-cluster, else $KUBECONFIG")
    parser.add_argument(
        "--pd-url", help="reach PD here instead of the Cluster's status.pd (outside the cluster)"
    )
