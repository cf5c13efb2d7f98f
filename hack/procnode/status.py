"""A Pod's status from what its processes do (pure): phase, conditions, container states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Object = dict[str, Any]


@dataclass(frozen=True)
class ContainerView:
    name: str
    image: str
    restart_count: int
    ready: bool
    running_since: str | None = None
    """RFC 3339 start time of the running process, if one runs."""
    waiting: tuple[str, str] | None = None
    """(reason, message) while no process runs."""
    last_terminated: Object | None = None
    container_id: str = ""

    def status(self) -> Object:
        if self.running_since is not None:
            state: Object = {"running": {"startedAt": self.running_since}}
        else:
            reason, message = self.waiting or ("ContainerCreating", "")
            state = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
        out: Object = {
            "name": self.name,
            "image": self.image,
            "imageID": "",
            "ready": self.ready,
            "started": self.running_since is not None,
            "restartCount": self.restart_count,
            "state": state,
            "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
        }
        if self.container_id:
            out["containerID"] = self.container_id
        return out


def _condition(type_: str, ok: bool, previous: Sequence[Object], stamp: str) -> Object:
    status = "True" if ok else "False"
    before = next((c for c in previous if c.get("type") == type_), None)
    since = before["lastTransitionTime"] if before and before.get("status") == status else stamp
    cond: Object = {"type": type_, "status": status, "lastTransitionTime": since}
    if not ok and type_ in ("Ready", "ContainersReady"):
        cond["reason"] = "ContainersNotReady"
    return cond


def pod_status(
    containers: Sequence[ContainerView],
    previous: Object,
    pod_ip: str,
    host_ip: str,
    start_time: str,
    stamp: str,
) -> Object:
    """The status to report. The phase is Running once every container has started (they
    restart under restartPolicy Always, so it stays Running across crashes)."""
    started = all(c.running_since is not None or c.restart_count > 0 for c in containers)
    ready = all(c.ready for c in containers)
    conditions = previous.get("conditions") or []
    return {
        "phase": "Running" if started else "Pending",
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": start_time,
        "conditions": [
            _condition("PodReadyToStartContainers", True, conditions, stamp),
            _condition("Initialized", True, conditions, stamp),
            _condition("ContainersReady", ready, conditions, stamp),
            _condition("Ready", ready, conditions, stamp),
        ],
        "containerStatuses": [c.status() for c in containers],
    }
