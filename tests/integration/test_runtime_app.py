"""A small operator built on the runtime, run as a subprocess by the runtime integration tests
(`python -m tests.integration.test_runtime_app ...`). It holds no tests itself.

It reconciles ConfigMaps labelled as managed by tikv-operator in one namespace by writing its
identity into the annotation `test.tikv.org/reconciled-by`, so a test can see which replica
reconciles. Exit codes: 0 after a graceful shutdown, 1 when the lease was lost.
"""

import argparse
import asyncio
import sys

from tikv_operator.kube.client import Client
from tikv_operator.kube.config import new_api_client
from tikv_operator.kube.controller import Controller, Result
from tikv_operator.kube.leaderelection import LeadershipLost, LeaseSettings
from tikv_operator.kube.manager import Manager, ManagerOptions
from tikv_operator.kube.resources import CONFIGMAP, MANAGED_SELECTOR, split_key
from tikv_operator.logging import configure_logging

RECONCILED_BY = "test.tikv.org/reconciled-by"


async def main(args: argparse.Namespace) -> int:
    configure_logging("json")
    client = Client(await new_api_client(args.kubeconfig))
    options = ManagerOptions(
        namespaces=[args.namespace],
        lease=LeaseSettings(namespace=args.namespace, name=args.lease_name),
        identity=args.identity,
        metrics_address=args.metrics_address,
        probe_address=args.probe_address,
        graceful_shutdown_timeout=5,
    )
    manager = Manager(client, options)

    async def reconcile(key: str) -> Result:
        namespace, name = split_key(key)
        if informer.store.get(key) is not None:
            patch = {"metadata": {"annotations": {RECONCILED_BY: args.identity}}}
            await client.patch(CONFIGMAP, name, patch, namespace)
        return Result()

    informer = manager.informer(CONFIGMAP, label_selector=MANAGED_SELECTOR)
    controller = Controller("configmap", reconcile, workers=2)
    controller.watch(informer)
    manager.add_controller(controller)
    try:
        await manager.run()
    except LeadershipLost:
        return 1
    finally:
        await client.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--identity", required=True)
    parser.add_argument("--lease-name", default="runtime-test")
    parser.add_argument("--metrics-address", default="127.0.0.1:0")
    parser.add_argument("--probe-address", default="127.0.0.1:0")
    sys.exit(asyncio.run(main(parser.parse_args())))
