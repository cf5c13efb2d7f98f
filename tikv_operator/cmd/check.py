"""`tikv-operator check NAMESPACE/CLUSTER`: does PD agree with the cluster's objects?

It reads the Cluster, its groups, instances and PVCs from the API server and one snapshot of
PD, and reports what the Cluster's `Consistent` condition and the safety brake are computed
from (the same code: `controllers.cluster.consistency.examine`). It changes nothing.
Exit status: 0 consistent, 1 inconsistent, 2 could not check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from apis import PD, Cluster, TiKV, TiKVGroup, labels
from apis.names import client_tls_secret
from controllers.cluster.brake import instances_of
from controllers.cluster.consistency import Findings, examine, instance_ids
from controllers.cluster.pdinfo import pd_info_of
from controllers.common.invalid import parsed
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.config import new_api_client
from tikv_operator.kube.resources import Object, ResourceKind
from tikv_operator.pdapi import PDClient
from tikv_operator.pdapi.poller import take_snapshot
from tikv_operator.tls import ClientTLS, TLSSecretError

CONSISTENT, INCONSISTENT, UNCHECKED = 0, 1, 2


class CannotCheck(Exception):
    """The check could not be made (no Cluster, no PD URL, PD not answering)."""


@dataclass(frozen=True)
class Report:
    cluster: str
    pd_url: str
    cluster_id: int
    members: list[str]
    leader: str | None
    stores: dict[str, int]
    """Store count by PD state name."""
    findings: Findings

    def to_json(self) -> dict[str, Any]:
        brake = self.findings.brake
        return {
            "cluster": self.cluster,
            "pd": self.pd_url,
            "clusterID": str(self.cluster_id),
            "consistent": self.findings.consistent,
            "members": self.members,
            "leader": self.leader,
            "stores": self.stores,
            "differences": self.findings.differences,
            "tombstones": self.findings.tombstones,
            "safetyBrake": None
            if brake is None
            else {"reason": brake.reason, "message": brake.message},
        }

    def to_text(self) -> str:
        f = self.findings
        lines = [
            f"Cluster {self.cluster}: PD {self.pd_url}, cluster id {self.cluster_id}",
            f"  PD members: {', '.join(self.members) or 'none'} (leader {self.leader or 'none'})",
            "  stores: "
            + (", ".join(f"{n} {state}" for state, n in sorted(self.stores.items())) or "none"),
        ]
        if f.tombstones:
            lines.append(f"  Tombstone records PD keeps: {', '.join(map(str, f.tombstones))}")
        lines += [f"  - {d}" for d in f.differences]
        if f.brake is not None:
            lines.append(f"  safety brake: {f.brake.reason}: {f.brake.message}")
        lines.append("  consistent" if f.consistent else "  INCONSISTENT")
        return "\n".join(lines)


async def _of_cluster(
    client: Client, kind: ResourceKind, namespace: str, name: str
) -> list[Object]:
    listed = await client.list(kind, namespace)
    return [
        o for o in listed.items if ((o.get("spec") or {}).get("cluster") or {}).get("name") == name
    ]


async def _client_tls(client: Client, cluster: Cluster) -> ClientTLS:
    """The certificate the operator presents to PD, which `check` presents too."""
    name = client_tls_secret(str(cluster.metadata.name))
    secret = await client.get_or_none(resources.SECRET, name, cluster.metadata.namespace)
    if secret is None:
        raise CannotCheck(f"Secret {name} (the client certificate for PD) not found")
    try:
        return ClientTLS.from_secret_data(secret.get("data"))
    except TLSSecretError as error:
        raise CannotCheck(f"Secret {name} cannot be used to talk TLS to PD: {error}") from error


async def examine_cluster(client: Client, key: str, pd_url: str | None) -> Report:
    namespace, _, name = key.partition("/")
    raw = await client.get_or_none(resources.CLUSTER, name, namespace)
    if raw is None:
        raise CannotCheck(f"Cluster {key} does not exist")
    cluster = Cluster.model_validate(raw)
    url = pd_url or cluster.status.pd
    if not url:
        raise CannotCheck(f"Cluster {key} has no PD URL yet; pass --pd-url")
    tikv_groups = parsed(TiKVGroup, await _of_cluster(client, resources.TIKVGROUP, namespace, name))
    pds = parsed(PD, await _of_cluster(client, resources.PD, namespace, name))
    tikvs = parsed(TiKV, await _of_cluster(client, resources.TIKV, namespace, name))
    selector = f"{labels.CLUSTER}={name}"
    pvcs = (await client.list(resources.PVC, namespace, label_selector=selector)).items
    tls = await _client_tls(client, cluster) if cluster.spec.tls_cluster.enabled else None
    async with PDClient(url, cluster=key, tls=tls) as pd:
        snapshot = await take_snapshot(pd, time.time)
    if snapshot.error is not None:
        raise CannotCheck(f"PD at {url} cannot be asked: {snapshot.error}")
    info = pd_info_of(snapshot)
    instances = instances_of(namespace, tikv_groups, pds, tikvs, pvcs)
    findings = examine(info, instances, instance_ids(pds, tikvs), cluster.status.id)
    stores: dict[str, int] = {}
    for s in snapshot.stores:
        stores[s.store.state_name.value] = stores.get(s.store.state_name.value, 0) + 1
    return Report(key, url, info.cluster_id, list(info.members), info.leader, stores, findings)


async def _check(args: argparse.Namespace) -> int:
    client = Client(await new_api_client(args.kubeconfig))
    try:
        report = await examine_cluster(client, args.cluster, args.pd_url)
    except CannotCheck as e:
        print(f"tikv-operator check: {e}", file=sys.stderr)
        return UNCHECKED
    finally:
        await client.close()
    if args.output == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return CONSISTENT if report.findings.consistent else INCONSISTENT


def check(args: argparse.Namespace) -> int:
    if args.cluster.count("/") != 1 or not all(args.cluster.split("/")):
        print("tikv-operator check: expected NAMESPACE/CLUSTER", file=sys.stderr)
        return UNCHECKED
    return asyncio.run(_check(args))


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cluster", metavar="NAMESPACE/CLUSTER")
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text")
    parser.add_argument("--kubeconfig", help="default: in-cluster, else $KUBECONFIG")
    parser.add_argument(
        "--pd-url", help="reach PD here instead of the Cluster's status.pd (outside the cluster)"
    )
