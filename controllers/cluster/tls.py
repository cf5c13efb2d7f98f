"""The TLS Secrets of a cluster (docs/tls.md), judged: the operator's client Secret and each
group's cluster Secret must hold a CA, a certificate and its key that parse. Pure: the
`tls` task reads the Secrets and acts on the verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from apis import PDGroup, TiKVGroup
from apis.names import client_tls_secret, cluster_tls_secret
from apis.pd import COMPONENT as PD_COMPONENT
from apis.tikv import COMPONENT as TIKV_COMPONENT
from controllers.common.objects import Object
from tikv_operator.tls import SECRET_KEYS, ClientTLS, TLSSecretError


@dataclass(frozen=True)
class SecretVerdict:
    """One Secret the cluster needs, for whom, and its material or what is wrong with it."""

    name: str
    user: str
    tls: ClientTLS | None
    problem: str | None

    @property
    def expires(self) -> datetime | None:
        return self.tls.expires if self.tls is not None else None

    def describe(self) -> str:
        return (
            f"Secret {self.name} ({self.user}): {self.problem}; it needs "
            f"{', '.join(SECRET_KEYS)} (docs/tls.md)"
        )


def needed_secrets(
    cluster: str, pd_groups: Sequence[PDGroup], tikv_groups: Sequence[TiKVGroup]
) -> list[tuple[str, str]]:
    """(Secret name, who uses it): the operator's client Secret first, then each group's."""
    needed = [(client_tls_secret(cluster), "the operator's PD client")]
    for component, groups in ((PD_COMPONENT, pd_groups), (TIKV_COMPONENT, tikv_groups)):
        for group in groups:
            name = str(group.metadata.name)
            needed.append((cluster_tls_secret(name, component), f"{group.KIND} {name}"))
    return needed


def judge(name: str, user: str, secret: Object | None) -> SecretVerdict:
    if secret is None:
        return SecretVerdict(name, user, None, "not found")
    try:
        return SecretVerdict(name, user, ClientTLS.from_secret_data(secret.get("data")), None)
    except TLSSecretError as error:
        return SecretVerdict(name, user, None, str(error))
