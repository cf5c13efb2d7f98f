"""Runtime overhead: events/second through informer -> work queue -> a no-op reconcile, and
the latency each event adds, over N objects.

Without KUBECONFIG the events come from a scripted in-process watch stream, so the figures are
the runtime's own cost. With KUBECONFIG set they come from a real API server (ConfigMaps
created in a fresh namespace), so they include the server and the network.

    python -m tests.bench [--objects 2000]
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any

from tikv_operator.kube.client import Client, ObjectList, WatchEvent
from tikv_operator.kube.config import new_api_client
from tikv_operator.kube.controller import Controller, Result
from tikv_operator.kube.informer import Informer, kind_informer
from tikv_operator.kube.resources import CONFIGMAP, NAMESPACE
from tikv_operator.logging import configure_logging


class ScriptedSource:
    """An empty list, then (once told to go) one ADDED event per object as one burst,
    stamping when each was delivered."""

    def __init__(self, objects: int, sent: dict[str, float]) -> None:
        self.objects = objects
        self.sent = sent
        self.go = asyncio.Event()

    async def list(self) -> ObjectList:
        return ObjectList([], "1")

    async def watch(
        self, resource_version: str, timeout_seconds: int
    ) -> AsyncGenerator[WatchEvent, None]:
        await self.go.wait()
        for i in range(self.objects):
            name = f"cm-{i}"
            meta = {"name": name, "namespace": "bench", "resourceVersion": str(i + 2)}
            self.sent[f"bench/{name}"] = time.perf_counter()
            yield WatchEvent("ADDED", {"metadata": meta})
        await asyncio.Event().wait()


async def measure(
    informer: Informer, objects: int, produce: Callable[[], Any], sent: dict[str, float]
) -> dict[str, float]:
    reconciled: dict[str, float] = {}
    done = asyncio.Event()

    async def reconcile(key: str) -> Result:
        reconciled.setdefault(key, time.perf_counter())
        if len(reconciled) == objects:
            done.set()
        return Result()

    controller = Controller("bench", reconcile)
    controller.watch(informer)
    tasks = [asyncio.create_task(informer.run()), asyncio.create_task(controller.run())]
    await informer.wait_synced()
    started = time.perf_counter()
    await produce()
    await asyncio.wait_for(done.wait(), 600)
    elapsed = max(reconciled.values()) - started
    await controller.shutdown(1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = sorted(reconciled[k] - sent[k] for k in reconciled)
    return {
        "events_per_second": objects / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def scripted(objects: int) -> dict[str, float]:
    sent: dict[str, float] = {}
    source = ScriptedSource(objects, sent)
    informer = Informer("bench", [source])

    async def produce() -> None:
        source.go.set()

    return await measure(informer, objects, produce, sent)


async def real(objects: int) -> dict[str, float]:
    client = Client(await new_api_client())
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    await client.create(NAMESPACE, {"metadata": {"name": namespace}})
    sent: dict[str, float] = {}
    try:
        informer = kind_informer(client, CONFIGMAP, namespaces=[namespace])

        async def produce() -> None:
            semaphore = asyncio.Semaphore(16)

            async def create(i: int) -> None:
                async with semaphore:
                    body = {"metadata": {"name": f"cm-{i}", "namespace": namespace}}
                    await client.create(CONFIGMAP, body)
                    sent.setdefault(f"{namespace}/cm-{i}", time.perf_counter())

            await asyncio.gather(*(create(i) for i in range(objects)))

        return await measure(informer, objects, produce, sent)
    finally:
        await client.delete(NAMESPACE, namespace)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    args = parser.parse_args()
    configure_logging("console", level="warning")
    use_real = bool(os.environ.get("KUBECONFIG"))
    source = "real API server (KUBECONFIG)" if use_real else "scripted in-process watch stream"
    figures = asyncio.run((real if use_real else scripted)(args.objects))
    print(
        f"runtime benchmark: informer -> queue -> no-op reconcile, {args.objects} objects, {source}"
    )
    print(f"  throughput     {figures['events_per_second']:10.0f} events/s")
    print(f"  added latency  p50 {figures['p50_ms']:8.2f} ms   p99 {figures['p99_ms']:8.2f} ms")
    print("  (events arrive as fast as the source gives them, so latency includes the wait")
    print("   behind earlier events of the burst)")


if __name__ == "__main__":
    main()
