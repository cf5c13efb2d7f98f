"""Which TLS Secrets a cluster needs, and what is wrong with one that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from controllers.cluster.tls import judge, needed_secrets
from tests.pki import new_pki

from .test_build import kvg, pdg


def test_the_operators_client_secret_comes_first_then_each_groups() -> None:
    needed = needed_secrets("basic", [pdg("basic")], [kvg("east", 3, 3), kvg("west", 3, 3)])
    assert needed == [
        ("basic-cluster-client-secret", "the operator's PD client"),
        ("basic-pd-cluster-secret", "PDGroup basic"),
        ("east-tikv-cluster-secret", "TiKVGroup east"),
        ("west-tikv-cluster-secret", "TiKVGroup west"),
    ]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    pki = new_pki(Path(tmp_path_factory.mktemp("pki")))
    return pki.secret_data(pki.issue("basic-pd"))


def test_a_usable_secret_carries_its_expiry(data: dict[str, str]) -> None:
    verdict = judge("s", "PDGroup basic", {"data": data})
    assert verdict.problem is None and verdict.expires is not None


@pytest.mark.parametrize(
    ("secret", "problem"),
    [(None, "not found"), ({"data": {}}, "it has no ca.crt, tls.crt, tls.key"), ({}, "it has no")],
)
def test_an_unusable_secret_says_what_is_wrong_and_what_it_needs(
    secret: dict[str, object] | None, problem: str
) -> None:
    verdict = judge("basic-pd-cluster-secret", "PDGroup basic", secret)
    assert verdict.tls is None and verdict.problem is not None
    assert verdict.problem.startswith(problem)
    assert verdict.describe().startswith("Secret basic-pd-cluster-secret (PDGroup basic): ")
    assert verdict.describe().endswith("it needs ca.crt, tls.crt, tls.key (docs/tls.md)")
