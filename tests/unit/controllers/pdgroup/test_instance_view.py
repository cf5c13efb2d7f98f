"""What the updater is told about an instance: its status counts only once it describes the
instance's current spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apis import PD
from apis.labels import INSTANCE_REVISION_HASH
from controllers.common.deps import Deps
from controllers.pd import reasons
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.decisions import Hold, update_step
from controllers.pdgroup.tasks.members import instance_view
from tests.unit.controllers.pd.samples import pd_instance
from tests.unit.controllers.pdgroup.test_build import group

READY_AT = datetime(2026, 1, 1, tzinfo=UTC)

CONDITIONS = [
    {
        "type": t,
        "status": "True",
        "reason": "R",
        "message": "",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }
    for t in ("Ready", "Synced")
]


def instance(
    generation: int,
    observed: int,
    not_ready: str | None = None,
    name: str = "basic-pd-abc123",
    revision: str = "rev1",
) -> PD:
    """An instance of template `revision` whose status describes generation `observed`: Ready
    and Synced, or not Ready for the reason `not_ready`."""
    pd = pd_instance(name)
    data: dict[str, Any] = pd.to_dict()
    data["metadata"]["generation"] = generation
    data["metadata"]["labels"][INSTANCE_REVISION_HASH] = revision
    conditions = [dict(c) for c in CONDITIONS]
    if not_ready is not None:
        conditions[0].update(status="False", reason=not_ready)
    data["status"] = {"observedGeneration": observed, "conditions": conditions}
    return PD.model_validate(data)


def context(min_ready_seconds: int = 0, after: float = 3600.0) -> GroupContext:
    now = READY_AT + timedelta(seconds=after)
    deps = Deps(None, None, {}, now=lambda: now)  # type: ignore[arg-type]
    ctx = GroupContext(deps, "ns/basic")
    ctx.loaded = group()
    ctx.loaded.spec.min_ready_seconds = min_ready_seconds
    return ctx


def view(pd: PD, ctx: GroupContext | None = None) -> Any:
    return instance_view(ctx or context(), pd)


def test_an_instance_reported_on_its_current_spec_is_synced() -> None:
    assert view(instance(generation=2, observed=2)).synced


def test_an_instance_just_moved_to_a_new_template_is_not_synced_until_reported_on() -> None:
    # The group replaced its spec (generation 2); its status still describes the old Pod.
    info = view(instance(generation=2, observed=1))
    assert not info.synced


def test_an_instance_counts_ready_only_after_min_ready_seconds() -> None:
    pd = instance(generation=1, observed=1)
    assert not view(pd, context(min_ready_seconds=30, after=29)).ready
    assert view(pd, context(min_ready_seconds=30, after=30)).ready


def test_the_group_comes_back_when_the_next_instance_becomes_available() -> None:
    ctx = context(min_ready_seconds=30, after=10)
    ctx.requeue_until_available([instance(1, 1).status.conditions], 30)
    assert ctx.requeue_after == 20


@pytest.mark.parametrize(
    "reason",
    [
        reasons.POD_MISSING,
        reasons.POD_NOT_READY,
        reasons.MEMBER_UNHEALTHY,
        reasons.MEMBER_NOT_JOINED,
    ],
)
def test_an_instance_not_ready_because_of_itself_is_broken(reason: str) -> None:
    assert view(instance(generation=1, observed=1, not_ready=reason)).broken


def test_an_instance_not_ready_only_because_pd_could_not_be_asked_is_not_broken() -> None:
    assert not view(instance(generation=1, observed=1, not_ready=reasons.PD_UNAVAILABLE)).broken


def test_a_pd_outage_moves_no_second_member_to_the_new_template() -> None:
    # Rule 6: a rolling update is under way (b is on the new template, restarting) when PD
    # stops answering, and every instance reports Ready=False, PDUnavailable. Taken for
    # broken, a and c were moved too, and restarted together with b once PD answered.
    outage = reasons.PD_UNAVAILABLE
    group = [
        instance(generation=1, observed=1, not_ready=outage, name="a"),
        instance(generation=2, observed=2, not_ready=outage, name="b", revision="rev2"),
        instance(generation=1, observed=1, not_ready=outage, name="c"),
    ]
    step = update_step([view(pd) for pd in group], "rev2")
    assert isinstance(step, Hold), step
