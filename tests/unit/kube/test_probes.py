import asyncio

from tikv_operator.kube.endpoints import bound_port, metrics_route, serve
from tikv_operator.kube.probes import Probes


async def get(port: int, path: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    answer = (await reader.read()).decode()
    writer.close()
    status = int(answer.split(" ", 2)[1])
    return status, answer.split("\r\n\r\n", 1)[1]


async def test_readyz_fails_until_every_check_passes() -> None:
    synced = False
    probes = Probes()
    probes.add_readiness("informers-synced", lambda: synced)
    server = await serve("127.0.0.1:0", probes.routes())
    port = bound_port(server)
    try:
        status, body = await get(port, "/readyz")
        assert status == 500
        assert "[-]informers-synced failed" in body
        synced = True
        assert await get(port, "/readyz") == (200, "[+]informers-synced ok\nok\n")
        assert (await get(port, "/healthz"))[0] == 200
        assert (await get(port, "/nothing"))[0] == 404
    finally:
        server.close()


async def test_a_check_that_raises_counts_as_failed() -> None:
    probes = Probes()
    probes.add_liveness("broken", lambda: 1 / 0 == 0)
    server = await serve("127.0.0.1:0", probes.routes())
    try:
        assert (await get(bound_port(server), "/healthz"))[0] == 500
    finally:
        server.close()


async def test_metrics_are_served_in_prometheus_text_format() -> None:
    server = await serve("127.0.0.1:0", {"/metrics": metrics_route})
    try:
        status, body = await get(bound_port(server), "/metrics")
        assert status == 200
        assert "# TYPE controller_runtime_reconcile_total counter" in body
    finally:
        server.close()
