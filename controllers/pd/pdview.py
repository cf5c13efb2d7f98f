"""What PD says about its membership, read once per reconcile."""

from __future__ import annotations

from dataclasses import dataclass

from apis import Cluster
from apis.names import client_service_name
from controllers.pd.decisions import MemberState
from tikv_operator.pdapi import PDClient
from tikv_operator.pdapi.models import Member

CLIENT_PORT = 2379
PEER_PORT = 2380


@dataclass(frozen=True)
class PDView:
    cluster_id: int
    members: tuple[Member, ...]
    health: dict[str, bool]
    leader: str | None

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def healthy(self, name: str) -> bool:
        return self.health.get(name, False)

    def states(self) -> list[MemberState]:
        """Every member, an unstarted one (no name) counting as unhealthy."""
        return [MemberState(m.name, bool(m.name) and self.healthy(m.name)) for m in self.members]


async def read_pd(client: PDClient) -> PDView:
    members = await client.get_members()
    health = await client.get_health()
    leader = members.leader.name if members.leader is not None and members.leader.name else None
    return PDView(
        cluster_id=members.header.cluster_id,
        members=members.members,
        health={h.name: h.health for h in health if h.name},
        leader=leader,
    )


def client_url(namespace: str, group: str) -> str:
    """The PD client Service URL of a PD group (DESIGN §3)."""
    return f"http://{client_service_name(group)}.{namespace}:{CLIENT_PORT}"


def pd_url(cluster: Cluster, group: str) -> str:
    """Where to reach PD: the URL the Cluster controller recorded, else the group's Service."""
    return cluster.status.pd or client_url(str(cluster.metadata.namespace), group)
