"""Managers as real processes: leader election, takeover, graceful shutdown and endpoints."""

import asyncio
import contextlib
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes_asyncio.client import ApiClient

from hack.localcluster import LocalCluster, free_port
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import CONFIGMAP, LEASE

from .test_runtime_app import RECONCILED_BY

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
LEASE_DURATION = 15.0
RETRY_PERIOD = 2.0


class ManagerProcess:
    def __init__(self, control_plane: LocalCluster, namespace: str, identity: str) -> None:
        self.identity = identity
        self.metrics_port = free_port()
        self.probe_port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.test_runtime_app",
                f"--kubeconfig={control_plane.kubeconfig}",
                f"--namespace={namespace}",
                f"--identity={identity}",
                f"--metrics-address=127.0.0.1:{self.metrics_port}",
                f"--probe-address=127.0.0.1:{self.probe_port}",
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def get(self, path: str, port: int | None = None) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{port or self.probe_port}{path}", timeout=5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
async def managers(
    control_plane: LocalCluster, namespace: str
) -> AsyncIterator[Callable[[str], ManagerProcess]]:
    started: list[ManagerProcess] = []

    def start(identity: str) -> ManagerProcess:
        started.append(ManagerProcess(control_plane, namespace, identity))
        return started[-1]

    yield start
    for manager in started:
        manager.stop()


@pytest.fixture
async def kube(api_client: ApiClient) -> Client:
    return Client(api_client)


async def eventually(check: Callable[[], Any], within: float = 60.0) -> Any:
    async with asyncio.timeout(within):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                result = check()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return result
            await asyncio.sleep(0.1)


async def lease_holder(kube: Client, namespace: str) -> str | None:
    lease = await kube.get_or_none(LEASE, "runtime-test", namespace)
    return None if lease is None else lease["spec"].get("holderIdentity")


async def reconciled_by(kube: Client, namespace: str, name: str) -> str | None:
    body = {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "tikv-operator"},
        }
    }
    if await kube.get_or_none(CONFIGMAP, name, namespace) is None:
        await kube.create(CONFIGMAP, body)

    async def annotated() -> str | None:
        cm = await kube.get(CONFIGMAP, name, namespace)
        return (cm["metadata"].get("annotations") or {}).get(RECONCILED_BY)

    return await eventually(annotated)  # type: ignore[no-any-return]


async def leader_and_standby(
    managers: Callable[[str], ManagerProcess], kube: Client, namespace: str
) -> tuple[ManagerProcess, ManagerProcess]:
    first = managers("first")
    await eventually(lambda: lease_holder(kube, namespace))
    second = managers("second")
    await eventually(lambda: second.get("/readyz").status_code == 200)
    return first, second


async def test_only_the_leader_reconciles(managers: Any, kube: Client, namespace: str) -> None:
    _first, second = await leader_and_standby(managers, kube, namespace)
    assert await lease_holder(kube, namespace) == "first"
    for i in range(3):
        assert await reconciled_by(kube, namespace, f"cm-{i}") == "first"
    assert second.process.poll() is None


async def test_a_standby_takes_over_within_the_lease_duration_when_the_leader_dies(
    managers: Any, kube: Client, namespace: str
) -> None:
    first, _second = await leader_and_standby(managers, kube, namespace)
    assert await reconciled_by(kube, namespace, "before") == "first"
    first.process.kill()
    killed = time.monotonic()
    await eventually(lambda: _holder_is(kube, namespace, "second"), within=LEASE_DURATION + 10)
    took_over = time.monotonic() - killed
    assert await reconciled_by(kube, namespace, "after") == "second"
    # The standby waits out the lease from when it last saw it change, which it checks every
    # retry period: at most lease + one retry period, plus scheduling slack.
    assert took_over <= LEASE_DURATION + RETRY_PERIOD + 2


async def test_sigterm_releases_the_lease_so_the_standby_takes_over_at_once(
    managers: Any, kube: Client, namespace: str
) -> None:
    first, _second = await leader_and_standby(managers, kube, namespace)
    first.process.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert await asyncio.to_thread(first.process.wait, 20) == 0
    await eventually(lambda: _holder_is(kube, namespace, "second"), within=LEASE_DURATION)
    assert time.monotonic() - stopped < LEASE_DURATION / 2
    assert await reconciled_by(kube, namespace, "after") == "second"


async def _holder_is(kube: Client, namespace: str, identity: str) -> bool:
    return await lease_holder(kube, namespace) == identity


async def test_probes_and_metrics_answer_with_the_expected_names(
    managers: Any, kube: Client, namespace: str
) -> None:
    first, second = await leader_and_standby(managers, kube, namespace)
    await reconciled_by(kube, namespace, "cm")
    assert first.get("/healthz").status_code == 200
    ready = first.get("/readyz")
    assert ready.status_code == 200
    assert "[+]informers-synced ok" in ready.text
    assert "[+]controllers ok" in ready.text
    metrics = first.get("/metrics", first.metrics_port).text
    for name in (
        'controller_runtime_reconcile_total{controller="configmap",result="success"}',
        "controller_runtime_reconcile_errors_total",
        "controller_runtime_reconcile_time_seconds_bucket",
        "controller_runtime_active_workers",
        'workqueue_adds_total{name="configmap"}',
        "workqueue_depth",
        "workqueue_queue_duration_seconds_bucket",
        "workqueue_work_duration_seconds_bucket",
        "workqueue_retries_total",
        "workqueue_unfinished_work_seconds",
        'leader_election_master_status{name="runtime-test"} 1.0',
        'rest_client_requests_total{code="200",host=',
    ):
        assert name in metrics, name
    standby_metrics = second.get("/metrics", second.metrics_port).text
    assert 'leader_election_master_status{name="runtime-test"} 0.0' in standby_metrics
