"""`tikv-operator run`: build the runtime, register the five controllers, run until a signal.

With `tikv_operator.cmd.cli` this is the composition root: the only modules that import
controllers. The informers the controllers declare decide the caches built here. Every flag
has an environment variable (`TIKV_OPERATOR_<FLAG>`, upper case, dashes as underscores;
repeatable flags take a comma-separated list) so a Deployment can configure the operator
either way; a flag given on the command line wins.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import structlog
from prometheus_client import REGISTRY
from prometheus_client.registry import Collector

from apis.types import parse_duration
from controllers.cluster import controller as cluster
from controllers.common.deps import ControllerSettings, Deps
from controllers.common.group_metrics import GroupHealth
from controllers.common.instance_metrics import InstanceHealth
from controllers.pd import controller as pd
from controllers.pdgroup import controller as pdgroup
from controllers.tikv import controller as tikv
from controllers.tikvgroup import controller as tikvgroup
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Reader
from tikv_operator.kube.client import Client
from tikv_operator.kube.config import new_api_client
from tikv_operator.kube.controller import Controller
from tikv_operator.kube.leaderelection import LeadershipLost, LeaseSettings
from tikv_operator.kube.manager import Manager, ManagerOptions
from tikv_operator.kube.resources import ResourceKind, cache_selector
from tikv_operator.logging import LogFormat, configure_logging
from tikv_operator.pdapi.poller import Pollers
from tikv_operator.pdapi.snapshot_metrics import PDSnapshotFreshness

log = structlog.get_logger(__name__)

ENV_PREFIX = "TIKV_OPERATOR_"
LOG_LEVELS = ("debug", "info", "warning", "error")

CONTROLLERS = (cluster, pdgroup, pd, tikvgroup, tikv)
"""The five controller modules, in the order they are registered; each declares `NAME`,
`INFORMERS` (the kinds whose caches it reads) and `setup(manager, deps)`."""

Setup = Callable[[Manager, Deps], Controller]


class UsageError(ValueError):
    """A flag or environment variable has a value the operator cannot use."""


@dataclass(frozen=True)
class RunOptions:
    kubeconfig: str | None = None
    namespaces: tuple[str, ...] = ()
    leader_elect: bool = True
    leader_election_namespace: str | None = None
    lease_timing: tuple[float, float, float] = (15.0, 10.0, 2.0)
    """Lease duration, renew deadline and retry period, in seconds."""
    metrics_bind_address: str = ":8080"
    health_probe_bind_address: str = ":8081"
    max_concurrent_reconciles: int = 4
    pd_poll_interval: float = 15.0
    pd_url_overrides: Mapping[str, str] = field(default_factory=dict)
    tikv_status_url_overrides: Mapping[str, str] = field(default_factory=dict)
    log_format: LogFormat = "auto"
    log_level: str = "info"

    def lease_namespace(self) -> str:
        """Where the Lease lives: the flag, else the operator's own namespace (POD_NAMESPACE,
        set by the Deployment), else the first watched namespace, else `default`."""
        if self.leader_election_namespace:
            return self.leader_election_namespace
        if os.environ.get("POD_NAMESPACE"):
            return os.environ["POD_NAMESPACE"]
        return self.namespaces[0] if self.namespaces else "default"


def parse_override(text: str, flag: str = "--pd-url-override") -> tuple[str, str]:
    """`NAMESPACE/CLUSTER=URL` → (`NAMESPACE/CLUSTER`, URL)."""
    key, sep, url = text.partition("=")
    namespace, slash, cluster = key.partition("/")
    if not sep or not slash or not namespace or not cluster or not url:
        raise UsageError(f"{flag} {text!r}: expected NAMESPACE/CLUSTER=URL")
    return key, url.rstrip("/")


def parse_duration_seconds(text: str) -> float:
    """A Go duration (`15s`, `2m`, `500ms`, `1h30m`) or a bare number of seconds."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parse_duration(text).total_seconds()
    except ValueError:
        raise UsageError(f"{text!r} is not a duration (such as 15s, 2m)") from None


def _env(name: str) -> str | None:
    value = os.environ.get(ENV_PREFIX + name.upper().replace("-", "_"))
    return value if value else None


def _env_list(name: str) -> list[str]:
    value = _env(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{ENV_PREFIX}{name.upper().replace('-', '_')}={value!r} is not a boolean")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kubeconfig",
        default=_env("kubeconfig"),
        help="kubeconfig file; default: in-cluster service account, else $KUBECONFIG",
    )
    parser.add_argument(
        "--namespace",
        action="append",
        dest="namespaces",
        metavar="NAMESPACE",
        help="watch only this namespace (repeatable); default: all namespaces",
    )
    parser.add_argument(
        "--leader-elect",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run controllers only while holding the Lease (default: on)",
    )
    parser.add_argument(
        "--leader-election-namespace",
        default=_env("leader-election-namespace"),
        help="namespace of the Lease; default: $POD_NAMESPACE, else the first watched one",
    )
    for flag, default, meaning in LEASE_FLAGS:
        parser.add_argument(
            f"--{flag}", default=_env(flag) or default, help=f"{meaning} (default {default})"
        )
    parser.add_argument(
        "--metrics-bind-address",
        default=_env("metrics-bind-address") or ":8080",
        help="address of /metrics (default :8080; port 0 picks a free port)",
    )
    parser.add_argument(
        "--health-probe-bind-address",
        default=_env("health-probe-bind-address") or ":8081",
        help="address of /healthz and /readyz (default :8081)",
    )
    parser.add_argument(
        "--max-concurrent-reconciles",
        type=int,
        default=int(_env("max-concurrent-reconciles") or 4),
        help="workers per controller (default 4)",
    )
    parser.add_argument(
        "--pd-poll-interval",
        default=_env("pd-poll-interval") or "15s",
        help="how often each cluster's PD is polled for changes (default 15s)",
    )
    parser.add_argument(
        "--pd-url-override",
        action="append",
        dest="pd_url_overrides",
        metavar="NAMESPACE/CLUSTER=URL",
        help="reach this cluster's PD at URL instead of its Service (repeatable; for "
        "running outside the Kubernetes cluster)",
    )
    parser.add_argument(
        "--tikv-status-url-override",
        action="append",
        dest="tikv_status_url_overrides",
        metavar="NAMESPACE/CLUSTER=URL",
        help="reach each TiKV store's status API (online config) of this cluster at "
        "URL/<status address> instead of http://<status address> (repeatable; for running "
        "outside the Kubernetes cluster, e.g. against the PD simulator)",
    )
    parser.add_argument(
        "--log-format",
        choices=("json", "console", "auto"),
        default=_env("log-format") or "auto",
        help="json, console, or auto (json unless stderr is a terminal)",
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=(_env("log-level") or "info").lower(),
        help="default info",
    )


LEASE_FLAGS = (
    (
        "leader-elect-lease-duration",
        "15s",
        "how long a Lease not renewed keeps others from taking it",
    ),
    ("leader-elect-renew-deadline", "10s", "how long the leader retries renewing before it quits"),
    ("leader-elect-retry-period", "2s", "how often candidates and the leader try the Lease"),
)
"""kube-controller-manager's flags for the same three durations, with its defaults."""


def lease_timing(args: argparse.Namespace) -> tuple[float, float, float]:
    duration, deadline, retry = (
        parse_duration_seconds(getattr(args, flag.replace("-", "_"))) for flag, _, _ in LEASE_FLAGS
    )
    if not 0 < retry < deadline < duration:
        raise UsageError(
            "the Lease needs 0 < --leader-elect-retry-period < --leader-elect-renew-deadline "
            "< --leader-elect-lease-duration: the leader must give up before others may take over"
        )
    return duration, deadline, retry


def options_from_args(args: argparse.Namespace) -> RunOptions:
    namespaces = args.namespaces or _env_list("namespace")
    overrides = args.pd_url_overrides or _env_list("pd-url-override")
    status_overrides = args.tikv_status_url_overrides or _env_list("tikv-status-url-override")
    leader_elect = (
        args.leader_elect if args.leader_elect is not None else _env_bool("leader-elect", True)
    )
    if args.max_concurrent_reconciles < 1:
        raise UsageError("--max-concurrent-reconciles must be at least 1")
    interval = parse_duration_seconds(args.pd_poll_interval)
    if interval <= 0:
        raise UsageError("--pd-poll-interval must be positive")
    return RunOptions(
        kubeconfig=args.kubeconfig,
        namespaces=tuple(namespaces),
        leader_elect=leader_elect,
        leader_election_namespace=args.leader_election_namespace,
        lease_timing=lease_timing(args),
        metrics_bind_address=args.metrics_bind_address,
        health_probe_bind_address=args.health_probe_bind_address,
        max_concurrent_reconciles=args.max_concurrent_reconciles,
        pd_poll_interval=interval,
        pd_url_overrides=dict(parse_override(o) for o in overrides),
        tikv_status_url_overrides=dict(
            parse_override(o, "--tikv-status-url-override") for o in status_overrides
        ),
        log_format=args.log_format,
        log_level=args.log_level,
    )


def controller_setups() -> list[tuple[str, Setup]]:
    """The five controllers, in the order they are registered."""
    return [(c.NAME, c.setup) for c in CONTROLLERS]


def informer_kinds() -> list[ResourceKind]:
    """Every kind whose cache some controller reads (one informer per kind)."""
    return list(dict.fromkeys(kind for c in CONTROLLERS for kind in c.INFORMERS))


def build_manager(client: Client, options: RunOptions) -> Manager:
    return Manager(
        client,
        ManagerOptions(
            namespaces=list(options.namespaces) or None,
            leader_election=options.leader_elect,
            lease=LeaseSettings(
                namespace=options.lease_namespace(),
                lease_duration=options.lease_timing[0],
                renew_deadline=options.lease_timing[1],
                retry_period=options.lease_timing[2],
            ),
            metrics_address=options.metrics_bind_address,
            probe_address=options.health_probe_bind_address,
        ),
    )


def build_deps(manager: Manager, client: Client, options: RunOptions) -> Deps:
    """Deps whose caches are the manager's informer stores, shared with the watches."""
    caches: dict[ResourceKind, Reader] = {
        kind: manager.informer(kind, label_selector=cache_selector(kind)).store
        for kind in informer_kinds()
    }
    return Deps(
        client=client,
        events=manager.events,
        caches=caches,
        pd=Pollers(interval=options.pd_poll_interval),
        settings=ControllerSettings(
            workers=options.max_concurrent_reconciles,
            pd_url_overrides=dict(options.pd_url_overrides),
            tikv_status_url_overrides=dict(options.tikv_status_url_overrides),
        ),
    )


def state_collectors(deps: Deps) -> list[Collector]:
    """The metrics computed at every scrape from the caches and the PD pollers: they say
    what the objects and PD say now, and an object's series go with it."""
    return [
        InstanceHealth(deps.cache(resources.PD), deps.cache(resources.TIKV)),
        GroupHealth(
            deps.cache(resources.CLUSTER),
            deps.cache(resources.PDGROUP),
            deps.cache(resources.TIKVGROUP),
        ),
        PDSnapshotFreshness(deps.pd),
    ]


async def run_operator(options: RunOptions) -> int:
    """Run until SIGTERM/SIGINT (0) or until the Lease is lost (1)."""
    client = Client(await new_api_client(options.kubeconfig))
    manager = build_manager(client, options)
    deps = build_deps(manager, client, options)
    for name, setup in controller_setups():
        setup(manager, deps)
        log.debug("controller registered", controller=name)
    collectors = state_collectors(deps)
    for collector in collectors:
        REGISTRY.register(collector)
    log.info(
        "starting tikv-operator",
        namespaces=list(options.namespaces) or "all",
        leader_elect=options.leader_elect,
        pd_url_overrides=dict(options.pd_url_overrides),
        tikv_status_url_overrides=dict(options.tikv_status_url_overrides),
    )
    try:
        await manager.run()
    except LeadershipLost:
        log.error("lost the leader Lease; exiting so that only one operator acts")
        return 1
    finally:
        for collector in collectors:
            REGISTRY.unregister(collector)
        await deps.pd.close()
        await client.close()
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
    except UsageError as e:
        raise SystemExit(f"tikv-operator run: {e}") from None
    configure_logging(options.log_format, options.log_level)
    return asyncio.run(run_operator(options))
