"""A real Prometheus (Debian's build, unpacked by `make monitoring-tools`) on 127.0.0.1,
scraping the given targets every second and evaluating the given rule files, and a small
client for its HTTP API."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from hack.dev import Process, wait_http_ok
from hack.localcluster import Binaries, free_port

SCRAPE_INTERVAL = "1s"


class PrometheusError(RuntimeError):
    """Prometheus answered a query with an error (a query it cannot parse or evaluate)."""


def binaries() -> tuple[Path, Path]:
    """(prometheus, promtool), or an error saying how to get them."""
    b = Binaries.from_cache()
    missing = [str(p) for p in (b.prometheus, b.promtool) if not os.access(p, os.X_OK)]
    if missing:
        raise FileNotFoundError(
            f"missing {', '.join(missing)}: run `make monitoring-tools` (Debian's prometheus "
            "package, unpacked under ~/.cache/tikv-operator/bin)"
        )
    return b.prometheus, b.promtool


def promtool(binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, check=False)


def check_rules(binary: Path, rules_file: Path) -> subprocess.CompletedProcess[str]:
    """`promtool check rules FILE` (exit 0 when every rule parses)."""
    return promtool(binary, "check", "rules", str(rules_file))


def run_rule_tests(binary: Path, tests_file: Path) -> subprocess.CompletedProcess[str]:
    """`promtool test rules FILE` (exit 0 when every case passes)."""
    return promtool(binary, "test", "rules", str(tests_file))


def config(targets: list[str], rule_files: list[Path]) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {
                "job_name": "tikv-operator",
                # As the ServiceMonitor does: the operator's `namespace` label is the TiKV
                # cluster's, not the target's.
                "honor_labels": True,
                "static_configs": [{"targets": targets}],
            }
        ],
    }


@dataclass
class Prometheus:
    process: Process
    url: str

    @staticmethod
    def start(
        binary: Path, workdir: Path, targets: list[str], rule_files: list[Path] | None = None
    ) -> Prometheus:
        workdir.mkdir(parents=True, exist_ok=True)
        config_file = workdir / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config(targets, rule_files or [])))
        port = free_port()
        argv = [
            str(binary),
            f"--config.file={config_file}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        process = Process("prometheus", argv, workdir / "prometheus.log").start()
        url = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{url}/-/ready", process)
        return Prometheus(process, url)

    def stop(self) -> None:
        self.process.stop()

    def _get(self, path: str, **params: Any) -> Any:
        r = httpx.get(f"{self.url}{path}", params=params, timeout=30)
        body = r.json()
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """The instant vector (or scalar, as one series) `expr` evaluates to."""
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = at
        data = self._get("/api/v1/query", **params)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        data = self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step)
        result: list[dict[str, Any]] = data["result"]
        return result

    def rules(self) -> list[dict[str, Any]]:
        groups = self._get("/api/v1/rules")["groups"]
        return [r for g in groups for r in g["rules"]]

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self._get("/api/v1/alerts")["alerts"]
        return alerts

    def targets_up(self) -> bool:
        active = self._get("/api/v1/targets")["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)
