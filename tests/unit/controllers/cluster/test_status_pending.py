"""Right after the operator starts, before PD's first answer, the Cluster's status stays as
stored rather than saying "PD unavailable" for a moment."""

from __future__ import annotations

from typing import Any

from apis import Cluster
from controllers.cluster.context import ClusterContext
from controllers.cluster.tasks.status import update_status
from controllers.common.deps import Deps
from controllers.common.pdview import PD_PENDING, PDState
from controllers.common.runner import Complete
from tests.unit.controllers.common.fakes import FakeClient, FakeEvents, FakePoller


async def test_the_cluster_status_is_kept_until_pd_first_answers() -> None:
    client = FakeClient()
    cluster = Cluster.model_validate({"metadata": {"name": "basic", "namespace": "ns"}})
    deps = Deps(client, FakeEvents(), {})  # type: ignore[arg-type]
    ctx = ClusterContext(deps, "ns/basic", loaded=cluster)
    poller: Any = FakePoller(None, None)  # type: ignore[arg-type]
    ctx.pd_state = PDState(poller, None, PD_PENDING)

    assert await update_status(ctx) == Complete(f"kept: {PD_PENDING}")
    assert client.calls == []
