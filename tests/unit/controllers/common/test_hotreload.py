"""Config changes under HotReload: the diff, the online payloads, and the order of writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apis.config import PD_MANAGED_KEYS, TIKV_MANAGED_KEYS
from controllers.common.deps import Deps
from controllers.common.hotreload import (
    EVENT_HOT_RELOADED,
    EVENT_NOT_HOT_RELOADED,
    ConfigChange,
    Refused,
    Reload,
    Step,
    Unreachable,
    config_change,
    pd_online,
    pd_persisted,
    reload_step,
    tikv_online,
    write_config,
)
from controllers.common.runner import Complete, TaskResult
from controllers.tikv.context import Context

from ..tikv.samples import tikv_instance
from .fakes import FakeEvents

OLD = """
name = "pd-a"
[schedule]
leader-schedule-limit = 4
max-store-down-time = "30m"
[log]
level = "info"
"""


def test_only_changed_and_removed_user_keys_count() -> None:
    new = """
name = "pd-b"
lease = 5
[schedule]
leader-schedule-limit = 8
max-store-down-time = "30m"
"""
    change = config_change(OLD, new, PD_MANAGED_KEYS)
    assert dict(change.changed) == {"lease": 5, "schedule.leader-schedule-limit": 8}
    assert change.removed == ("log.level",)


def test_the_same_config_is_no_change() -> None:
    assert not config_change(OLD, OLD, PD_MANAGED_KEYS)


def test_pd_gets_the_keys_its_config_api_takes_with_their_json_types() -> None:
    change = ConfigChange(
        {
            "schedule.leader-schedule-limit": 8,
            "replication.enable-placement-rules": True,
            "log.level": "warn",
            "log.file.max-size": 300,
            "lease": 5,
            "security.cacert-path": "/ca",
        },
        ("pd-server.metric-storage",),
    )
    payload, offline = pd_online(change)
    assert payload == {
        "log.level": "warn",
        "replication.enable-placement-rules": True,
        "schedule.leader-schedule-limit": 8,
    }
    assert offline == [
        "lease",
        "log.file.max-size",
        "pd-server.metric-storage",
        "security.cacert-path",
    ]


def test_under_restart_pd_still_gets_what_it_keeps_in_its_own_storage() -> None:
    """PD reads [schedule], [replication], ... and cluster-version from etcd once the cluster
    is bootstrapped (found on real pd-server: a rolling restart left leader-schedule-limit
    as it was); the log level is the member's own and a restart applies it."""
    change = ConfigChange(
        {
            "schedule.leader-schedule-limit": 8,
            "replication.max-replicas": 5,
            "cluster-version": "8.5.1",
            "log.level": "warn",
            "lease": 5,
        }
    )
    assert pd_persisted(change) == {
        "cluster-version": "8.5.1",
        "replication.max-replicas": 5,
        "schedule.leader-schedule-limit": 8,
    }
    assert pd_persisted(ConfigChange({"log.level": "warn"}, ("schedule.x",))) == {}


def test_tikv_gets_every_changed_key_as_a_string() -> None:
    new = """
[raftstore]
raft-log-gc-threshold = 100
sync-log = true
[storage.block-cache]
capacity = "4GiB"
[split]
byte-threshold = 0.5
"""
    payload = tikv_online(config_change("", new, TIKV_MANAGED_KEYS))
    assert payload == {
        "raftstore.raft-log-gc-threshold": "100",
        "raftstore.sync-log": "true",
        "split.byte-threshold": "0.5",
        "storage.block-cache.capacity": "4GiB",
    }


def test_a_change_of_a_managed_key_is_not_sent() -> None:
    old = '[pd]\nendpoints = ["http://a:2379"]\n'
    new = '[pd]\nendpoints = ["http://b:2379"]\n'
    assert not config_change(old, new, TIKV_MANAGED_KEYS)


CHANGED = ConfigChange({"schedule.leader-schedule-limit": 8})


@pytest.mark.parametrize(
    ("strategy", "old", "change", "serving", "step"),
    [
        ("HotReload", OLD, CHANGED, True, Step.RELOAD),
        ("Restart", OLD, CHANGED, True, Step.WRITE),
        ("HotReload", None, CHANGED, True, Step.WRITE),
        ("HotReload", OLD, CHANGED, False, Step.WRITE),
        ("HotReload", OLD, ConfigChange(removed=("log.level",)), True, Step.WRITE),
        ("HotReload", OLD, ConfigChange(), True, Step.WRITE),
    ],
    ids=[
        "hot reload of a running process",
        "restart strategy",
        "first ConfigMap",
        "process not running: it reads the file when it starts",
        "only removals: nothing to send",
        "labels only",
    ],
)
def test_reload_step(
    strategy: str, old: str | None, change: ConfigChange, serving: bool, step: Step
) -> None:
    assert reload_step(strategy, old, change, serving) == step  # type: ignore[arg-type]


NEW = OLD.replace("leader-schedule-limit = 4", "leader-schedule-limit = 8")


class Run:
    """One write_config call on a HotReload TiKV context: its result, the writes and online
    calls in order, and the events."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.events = FakeEvents()
        deps = Deps(None, self.events, {}, now=lambda: datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
        self.ctx = Context(deps, "ns/basic-tikv-abc123")
        self.ctx.loaded = tikv_instance(update_strategy="HotReload")
        self.ctx.raw = {"metadata": {"name": "basic-tikv-abc123", "namespace": "ns"}}

    async def __call__(self, reload: Reload, new: str = NEW) -> TaskResult:
        async def write() -> object:
            self.log.append("write")
            return {}

        return await write_config(
            self.ctx,
            write,
            OLD,
            new,
            managed=PD_MANAGED_KEYS,
            strategy="HotReload",
            serving=True,
            reload=reload,
        )


async def test_the_change_goes_online_before_the_configmap_is_written() -> None:
    run = Run()

    async def reload(change: ConfigChange) -> list[str]:
        run.log.append(f"reload {sorted(change.changed)}")
        return []

    assert isinstance(await run(reload), Complete)
    assert run.log == ["reload ['schedule.leader-schedule-limit']", "write"]
    assert run.events.reasons() == [EVENT_HOT_RELOADED]


async def test_an_unreachable_component_leaves_the_configmap_for_a_retry() -> None:
    run = Run()

    async def reload(change: ConfigChange) -> list[str]:
        raise Unreachable("connection refused")

    assert isinstance(await run(reload), Complete)
    assert run.ctx.requeue_after is not None
    assert run.log == [] and run.events.reasons() == []


async def test_a_refused_change_is_written_for_the_next_start_and_reported() -> None:
    run = Run()

    async def reload(change: ConfigChange) -> list[str]:
        raise Refused("can not be changed online")

    await run(reload)
    assert run.log == ["write"]
    assert run.events.reasons() == [EVENT_NOT_HOT_RELOADED]
    assert "take effect when the Pod next starts" in run.events.recorded[0][2]


async def test_keys_that_cannot_go_online_are_named() -> None:
    run = Run()

    async def reload(change: ConfigChange) -> list[str]:
        return []

    await run(reload, NEW.replace('[log]\nlevel = "info"\n', ""))
    assert run.events.reasons() == [EVENT_HOT_RELOADED, EVENT_NOT_HOT_RELOADED]
    assert "log.level" in run.events.recorded[1][2]
