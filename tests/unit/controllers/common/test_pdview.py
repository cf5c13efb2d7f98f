"""One PD URL per cluster, one PD view per cluster, and the keys its changes wake."""

from __future__ import annotations

from apis import Cluster
from controllers.common.deps import ControllerSettings, Deps
from controllers.common.pdview import pd_url, read_pd
from controllers.common.watches import fields_changed, members_changed, on_pd_change
from tikv_operator.kube.cache import Store
from tikv_operator.kube.informer import Event
from tikv_operator.pdapi.poller import Change, Pollers, Snapshot


def deps(**overrides: str) -> Deps:
    settings = ControllerSettings(pd_url_overrides=overrides)
    return Deps(None, None, {}, settings=settings)  # type: ignore[arg-type]


def test_an_override_wins_over_the_service_url() -> None:
    d = deps(**{"ns/basic": "http://127.0.0.1:1234"})
    assert pd_url(d, "ns", "basic", "http://basic-pd.ns:2379") == "http://127.0.0.1:1234"
    assert pd_url(d, "ns", "other", "http://other-pd.ns:2379") == "http://other-pd.ns:2379"


def test_without_a_pd_group_there_is_no_url_to_watch() -> None:
    assert pd_url(deps(), "ns", "basic", None) is None


def test_a_cluster_without_a_poller_has_no_view_and_says_why() -> None:
    cluster = Cluster.model_validate({"metadata": {"name": "basic", "namespace": "ns"}})
    state = read_pd(Deps(None, None, {}, pd=Pollers()), cluster)  # type: ignore[arg-type]
    assert state.snapshot is None and state.poller is None
    assert state.unavailable is not None and "PD URL" in state.unavailable


def instances(*names: str, cluster: str = "basic") -> Store:
    store = Store()
    for name in names:
        store.upsert(
            {"metadata": {"name": name, "namespace": "ns"}, "spec": {"cluster": {"name": cluster}}}
        )
    return store


def test_a_store_change_wakes_only_its_instance() -> None:
    reader = instances("basic-tikv-a", "basic-tikv-b")
    reader.upsert(
        {"metadata": {"name": "x-tikv-a", "namespace": "ns"}, "spec": {"cluster": {"name": "x"}}}
    )

    def by_address(namespace: str, change: Change) -> set[str]:
        return {a.split(".")[0] for a in change.stores}

    keys = on_pd_change(reader, by_address)
    change = Change(stores=frozenset({"basic-tikv-b.basic-tikv-peer.ns:20160"}))
    assert list(keys("ns/basic", Snapshot(0), change)) == ["ns/basic-tikv-b"]
    everything = list(keys("ns/basic", Snapshot(0), Change(everything=True)))
    assert sorted(everything) == ["ns/basic-tikv-a", "ns/basic-tikv-b"]


def test_a_member_change_wakes_every_pd_instance_and_a_store_change_none() -> None:
    keys = on_pd_change(instances("basic-pd-a", "basic-pd-b"), members_changed)
    member = Change(members=frozenset({"basic-pd-a"}))
    assert sorted(keys("ns/basic", Snapshot(0), member)) == ["ns/basic-pd-a", "ns/basic-pd-b"]
    store = Change(stores=frozenset({"kv:20160"}))
    assert list(keys("ns/basic", Snapshot(0), store)) == []


def event(type_: str, old: dict[str, object] | None, new: dict[str, object]) -> Event:
    return Event(type_, new, old)  # type: ignore[arg-type]


def test_a_status_write_of_other_fields_wakes_nobody() -> None:
    predicate = fields_changed("status.stateName")
    old = {"metadata": {}, "status": {"stateName": "Up", "leaderCount": 1}}
    new = {"metadata": {}, "status": {"stateName": "Up", "leaderCount": 9}}
    assert not predicate(event("MODIFIED", old, new))
    gone = {"metadata": {}, "status": {"stateName": "Down", "leaderCount": 9}}
    assert predicate(event("MODIFIED", old, gone))


def test_objects_appearing_or_going_always_pass() -> None:
    predicate = fields_changed("status.stateName")
    obj = {"metadata": {}}
    assert predicate(event("ADDED", None, obj))
    assert predicate(event("DELETED", obj, obj))


def test_pd_is_pending_only_until_the_pollers_first_snapshot() -> None:
    from controllers.common.pdview import PDState
    from tests.unit.controllers.common.fakes import FakePoller

    assert not PDState(None, None, "no PD URL").pending
    waiting = FakePoller(None, None)  # type: ignore[arg-type]
    assert PDState(waiting, None, "PD has not answered yet").pending  # type: ignore[arg-type]
    failed = FakePoller(None, Snapshot(0, error=RuntimeError("refused")))
    assert not PDState(failed, None, "PD cannot be asked").pending  # type: ignore[arg-type]
