"""python -m hack.procnode --kubeconfig K --workdir W --node NAME[:ZONE]... --binary pd=PATH..."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from hack.procnode.addresses import AddressPool
from hack.procnode.hosts import HostsFile
from hack.procnode.kubeapi import Api
from hack.procnode.kubelet import Kubelet
from hack.procnode.nodes import Nodes
from hack.procnode.pod import NodeContext


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m hack.procnode", description=__doc__)
    p.add_argument("--kubeconfig", type=Path, required=True)
    p.add_argument("--workdir", type=Path, required=True)
    p.add_argument("--node", action="append", required=True, help="NAME:ZONE, repeatable")
    p.add_argument("--binary", action="append", default=[], help="COMPONENT=PATH, repeatable")
    p.add_argument("--pod-network", default="127.0.10.0/24", help="loopback /24 of Pod IPs")
    p.add_argument("--hosts-file", type=Path, help="default: WORKDIR/hosts")
    p.add_argument(
        "--crash-backoff",
        type=float,
        default=10.0,
        help="first restart delay of a crashed container (a kubelet's is 10 s)",
    )
    return p.parse_args(argv)


async def run(args: argparse.Namespace, hosts: HostsFile) -> None:
    api = Api.from_kubeconfig(args.kubeconfig)
    names = [n.partition(":")[0] for n in args.node]
    zones = [n.partition(":")[2] or "zone-p" for n in args.node]
    ctx = NodeContext(
        api=api,
        workdir=args.workdir,
        host_root=args.workdir / "host",
        hosts_file=hosts.path,
        addresses=AddressPool(args.pod_network),
        binaries={k: Path(v) for k, _, v in (b.partition("=") for b in args.binary)},
        initial_backoff=args.crash_backoff,
    )
    try:
        await Kubelet(ctx, Nodes(api, names, zones), hosts).run()
    finally:
        await api.close()


def main() -> int:
    args = parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")  # fmt: skip
    # One line per API request would drown what the kubelet does.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The machine's own names (localhost) stay resolvable inside the containers.
    hosts = HostsFile(args.hosts_file or args.workdir / "hosts", Path("/etc/hosts").read_text())
    hosts.write({})
    asyncio.run(run(args, hosts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
