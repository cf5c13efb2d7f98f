from __future__ import annotations

from controllers.common.deps import PDClients


def test_pd_url_override_wins_over_the_service_url() -> None:
    clients = PDClients(overrides={"ns/basic": "http://127.0.0.1:1234"})
    assert clients.url_for("ns", "basic", "http://basic-pd.ns:2379") == "http://127.0.0.1:1234"
    assert clients.url_for("ns", "other", "http://other-pd.ns:2379") == "http://other-pd.ns:2379"


async def test_one_client_per_cluster_and_url_is_reused() -> None:
    clients = PDClients()
    first = clients.get("ns", "basic", "http://basic-pd.ns:2379")
    assert clients.get("ns", "basic", "http://basic-pd.ns:2379") is first
    assert clients.get("ns", "other", "http://other-pd.ns:2379") is not first
    await clients.close()
