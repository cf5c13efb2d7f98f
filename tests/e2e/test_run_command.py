"""`tikv-operator run`: its flags, and the process lifecycle against the local control plane."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hack.dev import OPERATOR, operator_process, wait_http_ok
from hack.localcluster import free_port
from tikv_operator.cmd.cli import build_parser
from tikv_operator.cmd.run import (
    UsageError,
    options_from_args,
    parse_duration_seconds,
    parse_override,
)

from .rbac import Identity

FLAGS = [
    "--kubeconfig",
    "--namespace",
    "--leader-elect",
    "--no-leader-elect",
    "--leader-election-namespace",
    "--metrics-bind-address",
    "--health-probe-bind-address",
    "--max-concurrent-reconciles",
    "--pd-poll-interval",
    "--pd-url-override",
    "--tikv-status-url-override",
    "--log-format",
    "--log-level",
    "--leader-elect-lease-duration",
    "--leader-elect-renew-deadline",
    "--leader-elect-retry-period",
]


def test_run_help_lists_every_flag() -> None:
    done = subprocess.run([*OPERATOR, "run", "--help"], capture_output=True, text=True, check=True)
    missing = [flag for flag in FLAGS if flag not in done.stdout]
    assert missing == []


def test_pd_url_override_is_namespace_cluster_equals_url() -> None:
    assert parse_override("ns/basic=http://127.0.0.1:2379/") == (
        "ns/basic",
        "http://127.0.0.1:2379",
    )
    for bad in ("basic=http://x", "ns/basic", "ns/=http://x", "/basic=http://x"):
        with pytest.raises(UsageError):
            parse_override(bad)


@pytest.mark.parametrize(
    ("text", "seconds"), [("15s", 15), ("2m", 120), ("500ms", 0.5), ("3", 3), ("1h30m", 5400)]
)
def test_poll_interval_accepts_durations(text: str, seconds: float) -> None:
    assert parse_duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["15 s", "ms", "1e3s", "soon"])
def test_poll_interval_rejects_text_that_is_not_a_duration(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration_seconds(text)


def test_tikv_status_override_names_its_flag_when_malformed() -> None:
    assert parse_override("ns/basic=http://sim:2379/tikv", "--tikv-status-url-override") == (
        "ns/basic",
        "http://sim:2379/tikv",
    )
    with pytest.raises(UsageError, match="--tikv-status-url-override"):
        parse_override("nonsense", "--tikv-status-url-override")


def lease(*argv: str) -> tuple[float, float, float]:
    return options_from_args(build_parser().parse_args(["run", *argv])).lease_timing


def test_lease_timing_defaults_as_kube_controller_manager_and_is_settable() -> None:
    assert lease() == (15.0, 10.0, 2.0)
    assert lease(
        "--leader-elect-lease-duration=4s",
        "--leader-elect-renew-deadline=3s",
        "--leader-elect-retry-period=500ms",
    ) == (4.0, 3.0, 0.5)


@pytest.mark.parametrize(
    "argv",
    [
        ["--leader-elect-renew-deadline=20s"],  # renews past the moment others may take over
        ["--leader-elect-retry-period=10s"],
        ["--leader-elect-retry-period=0s"],
    ],
)
def test_lease_timing_where_two_could_lead_is_refused(argv: list[str]) -> None:
    with pytest.raises(UsageError, match="the leader must give up before others may take over"):
        lease(*argv)


def test_bad_override_is_a_usage_error_exit() -> None:
    done = subprocess.run(
        [*OPERATOR, "run", "--pd-url-override", "nonsense"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "NAMESPACE/CLUSTER=URL" in done.stderr


def test_env_vars_mirror_flags() -> None:
    code = (
        "from tikv_operator.cmd.cli import build_parser;"
        "from tikv_operator.cmd.run import options_from_args;"
        "o = options_from_args(build_parser().parse_args(['run']));"
        "print(o.namespaces, o.leader_elect, o.pd_poll_interval, dict(o.pd_url_overrides))"
    )
    env = {
        "TIKV_OPERATOR_NAMESPACE": "a,b",
        "TIKV_OPERATOR_LEADER_ELECT": "false",
        "TIKV_OPERATOR_PD_POLL_INTERVAL": "5s",
        "TIKV_OPERATOR_PD_URL_OVERRIDE": "a/x=http://h:1",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "('a', 'b') False 5.0 {'a/x': 'http://h:1'}"


@pytest.mark.integration
def test_operator_becomes_ready_and_stops_cleanly_on_sigterm(
    crds: Path, operator_identity: Identity, tmp_path: Path
) -> None:
    probe = free_port()
    process = operator_process(
        operator_identity.kubeconfig, "default", "http://127.0.0.1:9", probe, tmp_path
    ).start()
    try:
        wait_http_ok(f"http://127.0.0.1:{probe}/readyz", process)
        process.signal(signal.SIGTERM)
        assert process.popen is not None
        assert process.popen.wait(30) == 0, process.log_tail()
    finally:
        process.stop()
