"""python -m hack.pdsim --port N [--follow-namespace NS --kubeconfig PATH]"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl

from hack.pdsim.app import Simulator
from hack.pdsim.clock import ScaledClock
from hack.pdsim.model import PDCluster, Settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m hack.pdsim", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2379)
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    p.add_argument("--tick", type=float, default=0.5, help="real seconds between scheduler ticks")
    p.add_argument("--max-replicas", type=int, default=3)
    p.add_argument("--regions", type=int, default=12)
    p.add_argument("--moves-per-tick", type=int, default=2, help="peer/leader moves per tick")
    p.add_argument("--max-store-down-time", type=float, default=1800.0, help="seconds")
    p.add_argument("--cluster-id", type=int, default=None)
    p.add_argument("--follow-namespace", help="follow the PD/TiKV Pods of this namespace")
    p.add_argument("--follow-cluster", help="only Pods labelled tikv.org/cluster=<name>")
    p.add_argument("--kubeconfig", help="kubeconfig for follow mode")
    p.add_argument("--tls-port", type=int, help="also serve PD over mutual TLS on this port")
    p.add_argument("--tls-ca", help="CA that signs the clients' certificates (PEM file)")
    p.add_argument("--tls-cert", help="the server certificate (PEM file)")
    p.add_argument("--tls-key", help="the server certificate's key (PEM file)")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    settings = Settings(
        max_replicas=args.max_replicas,
        regions=args.regions,
        moves_per_tick=args.moves_per_tick,
        max_store_down_time=args.max_store_down_time,
    )
    cluster = PDCluster(ScaledClock(args.speed), settings, cluster_id=args.cluster_id)
    sim = Simulator(cluster, tick_interval=args.tick)
    url = await sim.start(args.host, args.port)
    print(f"pdsim listening on {url}", flush=True)
    if args.tls_port is not None:
        tls_url = await sim.start_tls(_mutual_tls(args), args.host, args.tls_port)
        print(f"pdsim listening on {tls_url} (mutual TLS)", flush=True)
    follower: asyncio.Task[None] | None = None
    if args.follow_namespace:
        from hack.pdsim.follow import follow

        follower = asyncio.create_task(
            follow(cluster, args.follow_namespace, args.kubeconfig, args.follow_cluster)
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if follower is not None:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
    await sim.stop()


def _mutual_tls(args: argparse.Namespace) -> ssl.SSLContext:
    """Like a TLS cluster's PD: clients must present a certificate the CA signed."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=args.tls_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def main() -> None:
    asyncio.run(run(parse_args()))


if __name__ == "__main__":
    main()
