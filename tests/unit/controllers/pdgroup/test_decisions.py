"""The PDGroup updater's decisions: scale steps, scale-in victim, update order, topology."""

from datetime import UTC, datetime, timedelta

import pytest

from apis.common import SchedulePolicy
from controllers.common.topology import choose_topology
from controllers.common.updater import MemberState
from controllers.pdgroup import reasons
from controllers.pdgroup.decisions import (
    Create,
    Hold,
    Instance,
    Remove,
    Settled,
    Update,
    scale_in_victim,
    scale_step,
    update_step,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def up(name: str, **kw: object) -> Instance:
    """A healthy, Ready, joined instance."""
    fields: dict[str, object] = {
        "revision": "r1",
        "ready": True,
        "synced": True,
        "member": True,
        "healthy": True,
    }
    fields.update(kw)
    return Instance(name, **fields)  # type: ignore[arg-type]


def members_of(instances: list[Instance]) -> list[MemberState]:
    return [MemberState(i.name, i.healthy) for i in instances if i.member]


def test_nothing_to_do_when_the_count_matches() -> None:
    group = [up("a"), up("b"), up("c")]
    assert scale_step(3, group, members_of(group)) == Settled()


def test_scale_out_adds_a_member_when_every_member_is_healthy() -> None:
    group = [up("a"), up("b"), up("c")]
    assert scale_step(5, group, members_of(group)) == Create()


def test_scale_out_waits_for_the_previous_new_member_to_join() -> None:
    group = [up("a"), up("b"), up("c"), up("d", member=False, ready=False, healthy=False)]
    step = scale_step(5, group, members_of(group))
    assert isinstance(step, Hold) and not step.blocked and "d" in step.message


def test_scale_out_is_blocked_while_a_pd_member_is_unhealthy() -> None:
    group = [up("a"), up("b"), up("c")]
    members = [*members_of(group), MemberState("foreign", False)]
    step = scale_step(4, group, members)
    assert isinstance(step, Hold) and step.blocked and step.reason == reasons.QUORUM_AT_RISK


def test_no_membership_change_while_pd_cannot_be_asked() -> None:
    step = scale_step(4, [up("a"), up("b"), up("c")], None)
    assert isinstance(step, Hold) and step.blocked and step.reason == reasons.PD_UNAVAILABLE


def test_one_change_at_a_time_while_an_instance_is_leaving() -> None:
    group = [up("a"), up("b"), up("c"), up("d", deleting=True)]
    step = scale_step(2, group, members_of(group))
    assert isinstance(step, Hold) and "d" in step.message


def test_scale_in_removes_a_non_leader() -> None:
    group = [up("a", leader=True), up("b"), up("c")]
    step = scale_step(2, group, members_of(group))
    assert isinstance(step, Remove) and step.name != "a"


def test_scale_in_refused_when_the_rest_would_lose_quorum() -> None:
    group = [up("a", leader=True), up("b"), up("c", healthy=False), up("d", healthy=False)]
    # The unhealthy c goes first, and a, b (healthy) and d of 3 remain: a quorum.
    assert scale_step(3, group, members_of(group)) == Remove("c")
    shaky = [up("a", leader=True), up("b", healthy=False), up("c", healthy=False)]
    step = scale_step(2, shaky, members_of(shaky))
    assert isinstance(step, Hold) and step.blocked and step.reason == reasons.QUORUM_AT_RISK


def test_the_last_member_is_never_removed() -> None:
    group = [up("a", leader=True)]
    step = scale_step(0, group, members_of(group))
    assert isinstance(step, Hold) and step.blocked and step.reason == reasons.LAST_MEMBER


def test_an_instance_that_never_joined_may_go_without_a_quorum_check() -> None:
    group = [up("a", leader=True), up("b", healthy=False), up("x", member=False, ready=False)]
    assert scale_step(2, group, members_of(group)) == Remove("x")


@pytest.mark.parametrize(
    ("instances", "victim"),
    [
        # Never the leader while another can go.
        ([up("a", leader=True), up("b")], "b"),
        # Never joined beats unhealthy beats not Ready beats healthy.
        ([up("a"), up("b", healthy=False), up("c", member=False)], "c"),
        ([up("a"), up("b", healthy=False), up("c", ready=False)], "b"),
        ([up("a"), up("b", ready=False)], "b"),
        # Otherwise the newest goes.
        ([up("a", created=T0), up("b", created=T0 + timedelta(minutes=1))], "b"),
        # The most crowded topology first.
        (
            [
                up("a", topology={"zone": "x"}, created=T0),
                up("b", topology={"zone": "x"}, created=T0),
                up("c", topology={"zone": "y"}, created=T0 + timedelta(hours=1)),
            ],
            "a",
        ),
        # Only the leader left: it is the one (its instance hands leadership over first).
        ([up("a", leader=True)], "a"),
    ],
)
def test_scale_in_victim(instances: list[Instance], victim: str) -> None:
    assert scale_in_victim(instances).name == victim


@pytest.mark.parametrize(
    ("instances", "expected"),
    [
        # Followers first, by name; the leader last.
        ([up("a", leader=True), up("b"), up("c")], Update("b")),
        ([up("a", leader=True, revision="r1"), up("b", revision="r2"), up("c")], Update("c")),
        ([up("a", leader=True), up("b", revision="r2"), up("c", revision="r2")], Update("a")),
        ([up("a", revision="r2"), up("b", revision="r2")], Settled()),
    ],
)
def test_rolling_update_order(instances: list[Instance], expected: object) -> None:
    assert update_step(instances, "r2") == expected


@pytest.mark.parametrize(
    "busy",
    [
        up("b", revision="r2", ready=False),  # the one just updated is not Ready yet
        up("b", revision="r2", synced=False),  # its Pod is not rebuilt yet
        up("b", deleting=True),
    ],
)
def test_rolling_update_waits_while_any_instance_is_unready(busy: Instance) -> None:
    step = update_step([up("a", leader=True), busy, up("c")], "r2")
    assert isinstance(step, Hold) and "b" in step.message


def spread(*zones: str, weights: tuple[int, ...] = ()) -> list[SchedulePolicy]:
    topologies = [
        {"topology": {"zone": z}, "weight": weights[i] if weights else 1}
        for i, z in enumerate(zones)
    ]
    return [
        SchedulePolicy.model_validate(
            {"type": "EvenlySpread", "evenlySpread": {"topologies": topologies}}
        )
    ]


@pytest.mark.parametrize(
    ("policies", "existing", "expected"),
    [
        ([], [{}, {}], {}),
        (spread("a", "b", "c"), [], {"zone": "a"}),
        (spread("a", "b", "c"), [{"zone": "a"}, {"zone": "b"}], {"zone": "c"}),
        (spread("a", "b", "c"), [{"zone": "a"}, {"zone": "b"}, {"zone": "c"}], {"zone": "a"}),
        (spread("a", "b", weights=(2, 1)), [{"zone": "a"}, {"zone": "b"}], {"zone": "a"}),
    ],
)
def test_new_instances_go_to_the_least_filled_topology(
    policies: list[SchedulePolicy], existing: list[dict[str, str]], expected: dict[str, str]
) -> None:
    assert choose_topology(policies, existing) == expected


def test_a_member_without_a_running_pod_takes_a_fixed_template_first() -> None:
    broken = up("b", ready=False, broken=True)
    assert update_step([up("a", leader=True), broken, up("c")], "r2") == Update("b")
