"""What the updater is told about an instance: its status counts only once it describes the
instance's current spec."""

from __future__ import annotations

from typing import Any

from apis import PD
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.tasks.members import instance_view
from tests.unit.controllers.pd.samples import pd_instance

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


def instance(generation: int, observed: int) -> PD:
    pd = pd_instance()
    data: dict[str, Any] = pd.to_dict()
    data["metadata"]["generation"] = generation
    data["status"] = {"observedGeneration": observed, "conditions": CONDITIONS}
    return PD.model_validate(data)


def view(pd: PD) -> Any:
    return instance_view(GroupContext(deps=None, key="ns/basic"), pd)  # type: ignore[arg-type]


def test_an_instance_reported_on_its_current_spec_is_synced() -> None:
    assert view(instance(generation=2, observed=2)).synced


def test_an_instance_just_moved_to_a_new_template_is_not_synced_until_reported_on() -> None:
    # The group replaced its spec (generation 2); its status still describes the old Pod.
    info = view(instance(generation=2, observed=1))
    assert not info.synced
