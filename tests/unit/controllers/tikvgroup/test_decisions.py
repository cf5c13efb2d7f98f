"""Decisions of the TiKVGroup updater: scaling, the scale-in victim, rolling updates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apis.common import SchedulePolicy
from controllers.common.topology import choose_topology
from controllers.tikvgroup import reasons
from controllers.tikvgroup.decisions import (
    Create,
    Delete,
    Hold,
    Instance,
    Offline,
    PDFacts,
    PDGroupVersion,
    PDMember,
    Revive,
    ScaleStep,
    Settled,
    Update,
    UpdateStep,
    pd_upgrade_gate,
    pd_view_gate,
    scale_in_victim,
    scale_step,
    update_step,
)


def up(name: str, **kw: object) -> Instance:
    fields: dict[str, object] = {
        "revision": "r1",
        "version": "v8.5.1",
        "ready": True,
        "synced": True,
        "state_name": "Up",
    }
    fields.update(kw)
    return Instance(name, **fields)  # type: ignore[arg-type]


T1 = datetime(2026, 1, 1, tzinfo=UTC)
T2 = datetime(2026, 1, 2, tzinfo=UTC)
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
FIVE_STORES = PDFacts(up_stores=5, max_replicas=3)
THREE_STORES = PDFacts(up_stores=3, max_replicas=3)


@pytest.mark.parametrize(
    ("replicas", "instances", "pd", "expected"),
    [
        (3, [up("a"), up("b"), up("c")], None, Settled()),
        (5, [up("a"), up("b"), up("c")], None, Create(2)),
        # Scale-out revives a store being removed before creating a new one.
        (4, [up("a"), up("b"), up("c"), up("d", offline=True)], None, Revive("d")),
        # A store that became Tombstone: its CR may go.
        (3, [up("a"), up("b"), up("c"), up("d", offline=True, offlined=True)], None, Delete("d")),
        (4, [up("a"), up("b"), up("c"), up("d", offline=True, offlined=True)], None, Delete("d")),
        (
            4,
            [
                up("a", created=T1),
                up("b", created=T1),
                up("c", created=T1),
                up("d", created=T1),
                up("e", created=T2),
            ],
            FIVE_STORES,
            Offline("e"),
        ),
    ],
)
def test_scale_step(
    replicas: int, instances: list[Instance], pd: PDFacts | None, expected: ScaleStep
) -> None:
    assert scale_step(replicas, instances, pd) == expected


def test_scale_in_offlines_one_store_at_a_time() -> None:
    instances = [up("a"), up("b"), up("c"), up("d", offline=True), up("e")]
    step = scale_step(3, instances, FIVE_STORES)
    assert isinstance(step, Hold) and not step.blocked
    assert "d" in step.message


def test_scale_in_waits_while_an_instance_is_being_deleted() -> None:
    instances = [up("a"), up("b"), up("c"), up("d", deleting=True), up("e")]
    assert isinstance(scale_step(3, instances, FIVE_STORES), Hold)


def test_scale_in_below_max_replicas_is_refused_and_blocked() -> None:
    step = scale_step(2, [up("a"), up("b"), up("c")], THREE_STORES)
    assert isinstance(step, Hold)
    assert step.blocked and step.reason == reasons.MAX_REPLICAS
    assert "max-replicas 3" in step.message


def test_pd_refusing_the_removal_blocks_the_group_with_pd_s_words() -> None:
    pd_said = (
        "PD refuses to remove store 4: too few Up stores would remain for max-replicas "
        "([PD:core:ErrStoresNotEnough]can not remove store 4 since the number of up stores "
        "would be 3 while need 4); add stores or lower max-replicas to unblock"
    )
    instances = [up("a"), up("b"), up("c"), up("d", offline=True, removal_refused=pd_said)]
    step = scale_step(3, instances, FIVE_STORES)
    assert isinstance(step, Hold) and step.blocked
    assert step.reason == reasons.STORES_NOT_ENOUGH == "StoresNotEnough"
    assert step.message == f"d: {pd_said}"
    # Scaling out again cancels the removal instead.
    assert scale_step(4, instances, FIVE_STORES) == Revive("d")


def test_scale_in_of_an_instance_without_an_up_store_is_not_limited_by_max_replicas() -> None:
    instances = [up("a"), up("b"), up("c"), up("d", state_name=None, ready=False)]
    assert scale_step(3, instances, THREE_STORES) == Offline("d")


def test_scale_in_without_pd_is_blocked() -> None:
    step = scale_step(3, [up("a"), up("b"), up("c"), up("d")], None)
    assert isinstance(step, Hold) and step.reason == reasons.PD_UNAVAILABLE


def test_deleting_a_group_of_three_is_blocked_by_max_replicas() -> None:
    step = scale_step(0, [up("a"), up("b"), up("c")], THREE_STORES)
    assert isinstance(step, Hold) and step.reason == reasons.MAX_REPLICAS


@pytest.mark.parametrize(
    ("instances", "victim"),
    [
        ([up("a"), up("b", state_name=None, ready=False)], "b"),
        ([up("a"), up("b", state_name="Tombstone")], "b"),
        ([up("a"), up("b", ready=False)], "b"),
        ([up("a", created=T2), up("b", created=T1)], "a"),
    ],
)
def test_scale_in_victim_is_the_cheapest_to_lose(instances: list[Instance], victim: str) -> None:
    assert scale_in_victim(instances).name == victim


def test_scale_in_victim_comes_from_the_most_crowded_topology() -> None:
    instances = [
        up("a", topology={"zone": "z2"}),
        up("b", topology={"zone": "z1"}),
        up("c", topology={"zone": "z1"}),
    ]
    assert scale_in_victim(instances).topology == {"zone": "z1"}


def _spread(*zones: str) -> list[SchedulePolicy]:
    return [
        SchedulePolicy.model_validate(
            {
                "type": "EvenlySpread",
                "evenlySpread": {"topologies": [{"topology": {"zone": z}} for z in zones]},
            }
        )
    ]


def test_new_instances_go_to_the_least_crowded_topology() -> None:
    policies = _spread("z1", "z2", "z3")
    assert choose_topology(policies, [{"zone": "z1"}, {"zone": "z2"}]) == {"zone": "z3"}
    assert choose_topology(policies, []) == {"zone": "z1"}


def test_without_a_policy_an_instance_has_no_topology() -> None:
    assert choose_topology([], [{"zone": "z1"}]) == {}


@pytest.mark.parametrize(
    ("instances", "gate", "expected"),
    [
        ([up("a", revision="r2"), up("b", revision="r2")], None, Settled()),
        ([up("a", revision="r2"), up("b")], None, Update("b")),
        ([up("a"), up("b")], None, Update("a")),
    ],
)
def test_update_step(instances: list[Instance], gate: str | None, expected: UpdateStep) -> None:
    assert update_step(instances, "r2", "v8.5.1", gate) == expected


@pytest.mark.parametrize(
    "busy",
    [
        up("b", revision="r2", ready=False),
        up("b", revision="r2", synced=False),
        up("b", offline=True),
        up("b", deleting=True),
    ],
)
def test_update_waits_while_any_instance_is_unready_or_leaving(busy: Instance) -> None:
    step = update_step([up("a"), busy], "r2", "v8.5.1", None)
    assert isinstance(step, Hold) and not step.blocked


def test_tikv_upgrade_waits_for_pd() -> None:
    gate = pd_upgrade_gate("v8.5.2", [PDGroupVersion("pd", "v8.5.2", "v8.5.1")])
    assert gate is not None and "v8.5.2" in gate
    step = update_step([up("a"), up("b")], "r2", "v8.5.2", gate)
    assert isinstance(step, Hold) and step.reason == reasons.PD_NOT_UPGRADED


def test_a_config_change_is_not_held_back_by_pd_version() -> None:
    gate = pd_upgrade_gate("v8.5.1", [PDGroupVersion("pd", "v8.5.2", "v8.5.2")])
    assert update_step([up("a")], "r2", "v8.5.1", gate) == Update("a")


def test_pd_gate_opens_when_every_pd_group_runs_the_target() -> None:
    groups = [PDGroupVersion("pd", "v8.5.2", "v8.5.2"), PDGroupVersion("pd2", "v8.5.2", "v8.5.2")]
    assert pd_upgrade_gate("v8.5.2", groups) is None


@pytest.mark.parametrize(("returning", "expected"), [(True, None), (False, Update("b"))])
def test_next_store_waits_for_leaders_to_return_to_the_last(
    returning: bool, expected: UpdateStep | None
) -> None:
    last = up("a", revision="r2", leaders_returning=returning)
    step = update_step([last, up("b")], "r2", "v8.5.1", None)
    if expected is None:
        assert isinstance(step, Hold) and "leaders to return to a" in step.message
    else:
        assert step == expected


@pytest.mark.parametrize(
    ("members", "leader", "waits_for"),
    [
        (None, "", "PD's view"),
        ([PDMember("pd-a", True, "v8.5.2")], "", "leader"),
        ([PDMember("pd-a", True, "v8.5.2"), PDMember("pd-b", False, "v8.5.2")], "pd-a", "pd-b"),
        ([PDMember("pd-a", True, "v8.5.2"), PDMember("pd-b", True, "v8.5.1")], "pd-a", "pd-b"),
        ([PDMember("pd-a", True, "8.5.2"), PDMember("pd-b", True, "v8.5.2")], "pd-a", None),
    ],
    ids=["no-view", "no-leader", "unhealthy", "old-version", "ready"],
)
def test_tikv_waits_until_pd_itself_reports_the_upgrade_done(
    members: list[PDMember] | None, leader: str, waits_for: str | None
) -> None:
    gate = pd_view_gate("v8.5.2", members, leader, "PD cannot be asked: timeout")
    if waits_for is None:
        assert gate is None
    else:
        assert gate is not None and waits_for in gate


def test_a_rolling_update_held_by_a_down_store_says_so() -> None:
    down = up("b", revision="r2", ready=False, state_name="Down")
    step = update_step([up("a"), down], "r2", "v8.5.1", None)
    assert isinstance(step, Hold) and step.blocked and step.reason == reasons.STORE_DOWN
    assert "b" in step.message


def test_the_next_store_waits_while_a_restarted_store_is_still_evicted() -> None:
    evicted = up("a", revision="r2", evicting=True)
    step = update_step([evicted, up("b")], "r2", "v8.5.1", None)
    assert isinstance(step, Hold) and "eviction of a" in step.message


def test_a_store_without_a_running_pod_takes_a_fixed_template_first() -> None:
    # A template that left "b" without a Pod must be fixable: "b" goes first, even though
    # it is not Ready (it costs no availability), and "a" waits its turn.
    broken = up("b", ready=False, broken=True, state_name=None)
    assert update_step([up("a"), broken], "r2", "v8.5.1", None) == Update("b")


def test_a_version_held_by_pd_holds_broken_stores_too() -> None:
    broken = up("b", ready=False, broken=True, state_name=None)
    gate = "PD first"
    # A new version waits for PD however broken a store is.
    assert isinstance(update_step([up("a"), broken], "r2", "v8.5.2", gate), Hold)
