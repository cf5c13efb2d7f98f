"""What the TiKVGroup's decisions know of an instance: Ready counts after minReadySeconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apis import TiKV
from controllers.common.updater import Hold, Update
from controllers.tikvgroup.context import instance_facts
from controllers.tikvgroup.decisions import update_step
from tests.unit.controllers.tikv.samples import tikv_instance

READY_AT = datetime(2026, 1, 1, tzinfo=UTC)


def ready(name: str, revision: str) -> TiKV:
    tikv = tikv_instance(name, labels={"tikv.org/instance-revision-hash": revision})
    data = tikv.to_dict()
    data["status"] = {
        "observedGeneration": 1,
        "conditions": [
            {
                "type": t,
                "status": "True",
                "reason": "R",
                "message": "",
                "lastTransitionTime": READY_AT.isoformat(),
                "observedGeneration": 1,
            }
            for t in ("Ready", "Synced")
        ],
    }
    return TiKV.model_validate(data)


def test_a_fresh_instance_is_not_ready_until_min_ready_seconds_passed() -> None:
    tikv = ready("a", "r1")
    assert not instance_facts(tikv, 60, READY_AT + timedelta(seconds=59)).ready
    assert instance_facts(tikv, 60, READY_AT + timedelta(seconds=60)).ready
    assert instance_facts(tikv, 0, READY_AT).ready


def test_the_rolling_update_waits_for_the_updated_instance_to_be_available() -> None:
    instances = [ready("a", "r2"), ready("b", "r1")]
    soon = [instance_facts(t, 60, READY_AT + timedelta(seconds=5)) for t in instances]
    later = [instance_facts(t, 60, READY_AT + timedelta(seconds=61)) for t in instances]
    assert isinstance(update_step(soon, "r2", "v8.5.1", None), Hold)
    assert update_step(later, "r2", "v8.5.1", None) == Update("b")


def test_pd_s_refusal_to_remove_the_store_is_carried_to_the_group() -> None:
    tikv = ready("basic-tikv-a", "r1")
    data = tikv.to_dict()
    data["spec"]["offline"] = True
    refused = {
        "type": "Offlined",
        "status": "False",
        "reason": "StoresNotEnough",
        "message": "PD refuses to remove store 4: [PD:core:ErrStoresNotEnough]...",
        "lastTransitionTime": READY_AT.isoformat(),
        "observedGeneration": 1,
    }
    data["status"]["conditions"].append(refused)
    facts = instance_facts(TiKV.model_validate(data), 0, READY_AT)
    assert facts.removal_refused == refused["message"]
    refused["reason"] = "Offlining"
    assert instance_facts(TiKV.model_validate(data), 0, READY_AT).removal_refused == ""
