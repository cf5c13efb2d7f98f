"""The remove task of a deleted instance."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.runner import Complete
from controllers.tikv.context import Context
from controllers.tikv.tasks.delete import remove_instance
from tikv_operator.kube import resources
from tikv_operator.pdapi.poller import Snapshot

from ..common.fakes import pd_state
from .samples import store, tikv_instance
from .test_offline_task import NOW, PD_ID, FakeClient, FakeEvents, FakePD, cluster


async def test_an_instance_already_removed_is_left_alone_without_a_status_write() -> None:
    # A reconcile queued behind the one that dropped the finalizer still sees the instance
    # in the cache; the API server no longer has it.
    the_cluster = cluster()
    client = FakeClient({resources.CLUSTER.kind: the_cluster.model_dump(mode="json")})
    events = FakeEvents()
    deps = Deps(client, events, {}, now=lambda: NOW)  # type: ignore[arg-type]
    ctx = Context(deps, "ns/basic-tikv-abc123", raw={"metadata": {}}, loaded=tikv_instance())
    ctx.loaded_cluster = the_cluster
    ctx.store = store(7, state=2, state_name="Tombstone")
    ctx.pd_state = pd_state(FakePD(), Snapshot(0, cluster_id=PD_ID, stores=(ctx.store,)))

    result = await remove_instance(ctx)

    assert isinstance(result, Complete)
    assert events.reasons == []
