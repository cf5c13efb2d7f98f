"""Right after the operator starts, before PD's first answer, a PD instance's status stays as
stored: "PD unavailable" for a moment would flip Ready and every group and Cluster above it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apis import Cluster
from controllers.common.deps import Deps
from controllers.common.pdview import PD_PENDING, PDState
from controllers.common.runner import Complete
from controllers.pd.context import PDContext
from controllers.pd.tasks.status import write_status
from tests.unit.controllers.common.fakes import FakeClient, FakeEvents, FakePoller
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Store
from tikv_operator.pdapi.poller import Snapshot

from .samples import pd_instance

NAME = "basic-pd-abc123"


def context(poller_snapshot: Snapshot | None) -> tuple[PDContext, FakeClient]:
    client = FakeClient()
    instance = pd_instance(NAME)
    client.put(resources.PD, instance.to_dict())
    cluster = Cluster.model_validate({"metadata": {"name": "basic", "namespace": "ns"}})
    deps = Deps(
        client,  # type: ignore[arg-type]
        FakeEvents(),  # type: ignore[arg-type]
        {resources.POD: Store()},
        now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
    )
    ctx = PDContext(deps, f"ns/{NAME}", loaded=instance, loaded_cluster=cluster)
    poller: Any = FakePoller(None, poller_snapshot)  # type: ignore[arg-type]
    ctx.pd_state = PDState(poller, None, PD_PENDING if poller_snapshot is None else "down")
    return ctx, client


async def test_status_is_kept_until_pd_first_answers() -> None:
    ctx, client = context(None)
    assert ctx.pd_state.pending

    result = await write_status(ctx)

    assert result == Complete(f"kept: {PD_PENDING}")
    assert client.calls == []


async def test_a_failed_first_answer_is_written_as_pd_unavailable() -> None:
    ctx, client = context(Snapshot(0, error=RuntimeError("connection refused")))
    assert not ctx.pd_state.pending

    await write_status(ctx)

    assert [c[0] for c in client.verbs()] == ["patch/status"]
