"""Keeps the shared hosts file in step with the Services and Pods of the whole cluster."""

from __future__ import annotations

import asyncio
import logging

from hack.procnode.hosts import HostsFile, records
from hack.procnode.kubeapi import Reflector

log = logging.getLogger("procnode.dns")


async def serve(hosts: HostsFile, services: Reflector, pods: Reflector) -> None:
    services_changed, pods_changed = services.subscribe(), pods.subscribe()
    await services.synced.wait()
    await pods.synced.wait()
    while True:
        services_changed.clear()
        pods_changed.clear()
        if hosts.write(records(services.objects.values(), pods.objects.values())):
            log.info("hosts file rewritten (%d lines)", hosts.text.count("\n"))
        await either(services_changed, pods_changed)


async def either(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
