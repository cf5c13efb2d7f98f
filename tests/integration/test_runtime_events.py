"""Events reach the real API server, and a repeated event becomes a series."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio import client

from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.events import EventRecorder

pytestmark = pytest.mark.integration


async def test_event_is_written_and_repeats_update_its_series(
    api_client: client.ApiClient, namespace: str
) -> None:
    kube = Client(api_client)
    regarding = await kube.create(
        resources.CONFIGMAP, {"metadata": {"name": "subject", "namespace": namespace}}
    )
    recorder = EventRecorder(kube, instance="test")
    writer = asyncio.create_task(recorder.run())
    try:
        for _ in range(2):
            recorder.record(regarding, "Warning", "ScaleInBlocked", "Scale", "not enough stores")
            await recorder.flush()
    finally:
        writer.cancel()

    events = (await kube.list(resources.EVENT, namespace)).items
    assert len(events) == 1
    event = events[0]
    assert event["regarding"]["uid"] == regarding["metadata"]["uid"]
    assert (event["reason"], event["note"], event["type"]) == (
        "ScaleInBlocked",
        "not enough stores",
        "Warning",
    )
    assert event["series"]["count"] == 2
