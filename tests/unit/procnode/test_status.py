"""A process node Pod's status follows its processes."""

from __future__ import annotations

from hack.procnode.status import ContainerView, pod_status

T0, T1 = "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"


def status(view: ContainerView, previous: dict[str, object] | None = None) -> dict[str, object]:
    return pod_status([view], previous or {}, "127.0.10.2", "127.0.0.1", T0, T1)


def conditions(s: dict[str, object]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in s["conditions"]}  # type: ignore[attr-defined]


def test_a_container_being_created_leaves_the_pod_pending_and_not_ready() -> None:
    s = status(ContainerView("pd", "pingcap/pd:v8.5.1", 0, ready=False))
    assert s["phase"] == "Pending"
    assert conditions(s)["Ready"] == "False"
    assert s["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}  # type: ignore[index]


def test_a_running_ready_container_makes_the_pod_running_and_ready_with_its_ip() -> None:
    s = status(
        ContainerView("pd", "img", 0, ready=True, running_since=T0, container_id="procnode://7")
    )
    assert s["phase"] == "Running" and s["podIP"] == "127.0.10.2"
    assert conditions(s)["Ready"] == "True"
    assert s["containerStatuses"][0]["containerID"] == "procnode://7"  # type: ignore[index]


def test_a_crashed_container_keeps_the_pod_running_not_ready_with_its_last_exit() -> None:
    ended = {"exitCode": 1, "reason": "Error", "message": "bad config"}
    view = ContainerView("pd", "img", 2, ready=False, waiting=("CrashLoopBackOff", "back-off 20s"),
                         last_terminated=ended)  # fmt: skip
    s = status(view)
    assert s["phase"] == "Running"
    assert conditions(s)["Ready"] == "False"
    container = s["containerStatuses"][0]  # type: ignore[index]
    assert container["restartCount"] == 2
    assert container["lastState"] == {"terminated": ended}
    assert container["state"]["waiting"]["reason"] == "CrashLoopBackOff"


def test_a_condition_keeps_its_transition_time_while_unchanged() -> None:
    previous = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": T0}]}
    view = ContainerView("pd", "img", 0, ready=True, running_since=T0)
    ready = next(c for c in status(view, previous)["conditions"] if c["type"] == "Ready")  # type: ignore[attr-defined]
    assert ready["lastTransitionTime"] == T0
    view = ContainerView("pd", "img", 1, ready=False)
    ready = next(c for c in status(view, previous)["conditions"] if c["type"] == "Ready")  # type: ignore[attr-defined]
    assert ready["lastTransitionTime"] == T1
