"""A tiny asyncio HTTP/1.1 server for the operator's own endpoints: probes and metrics.

It answers GET requests for fixed paths and closes each connection after one answer; that is
all kubelet probes and Prometheus scrapes need, and it keeps the runtime free of a web
framework and of threads.
"""

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import prometheus_client


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


Route = Callable[[], Response]

_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}


def parse_address(address: str) -> tuple[str, int]:
    """`host:port`, `:port` (all interfaces) or `0` as a port (any free port)."""
    host, _, port = address.rpartition(":")
    return host or "0.0.0.0", int(port)


def metrics_route() -> Response:
    return Response(200, prometheus_client.generate_latest(), prometheus_client.CONTENT_TYPE_LATEST)


async def serve(address: str, routes: Mapping[str, Route]) -> asyncio.Server:
    """Start serving; close the returned server to stop."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                request_line = await reader.readline()
                while (await reader.readline()).strip():  # skip the headers
                    pass
            method, _, rest = request_line.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            route = routes.get(path)
            if route is None:
                response = Response(404, b"not found\n")
            elif method not in ("GET", "HEAD"):
                response = Response(405, b"method not allowed\n")
            else:
                response = route()
            head = (
                f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}\r\n"
                f"Content-Type: {response.content_type}\r\n"
                f"Content-Length: {len(response.body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + (b"" if method == "HEAD" else response.body))
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    host, port = parse_address(address)
    return await asyncio.start_server(handle, host, port)


def bound_port(server: asyncio.Server) -> int:
    return int(server.sockets[0].getsockname()[1])
