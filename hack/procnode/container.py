"""One container's process: started through the sandbox, watched for its exit, restarted
with the kubelet's back-off (10 s doubling up to 5 min, reset after 10 min of running; every
Pod here has restartPolicy Always semantics), and stopped with SIGTERM then SIGKILL."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hack.procnode.probes import Readiness
from hack.procnode.sandbox import Spec
from hack.procnode.status import ContainerView

Object = dict[str, Any]
REPO = Path(__file__).resolve().parents[2]
MAX_BACKOFF = 300.0
RESET_BACKOFF_AFTER = 600.0
MESSAGE_BYTES = 2048
"""How much of the log tail a terminated container's message carries (the kubelet's
FallbackToLogsOnError takes the last 2 KiB too)."""


def _die_with_parent() -> None:
    # Kept across the sandbox's exec: if the kubelet dies, so does every container.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def exit_code(returncode: int) -> int:
    """As a container runtime reports it: a signal N is 128+N."""
    return 128 - returncode if returncode < 0 else returncode


@dataclass
class Container:
    spec: Object
    log_dir: Path
    readiness: Readiness
    initial_backoff: float
    restart_count: int = 0
    popen: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    log_path: Path | None = None
    last_terminated: Object | None = None
    waiting: tuple[str, str] | None = ("ContainerCreating", "")
    backoff: float = 0.0
    restart_at: float = 0.0

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def running(self) -> bool:
        return self.popen is not None

    def start(self, sandbox: Spec, spec_path: Path) -> None:
        spec_path.write_text(sandbox.to_json())
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # One log per run, so a terminated run's message is its own output.
        self.log_path = self.log_dir / f"{self.name}-{self.restart_count}.log"
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "hack.procnode.sandbox", str(spec_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.started_at = time.time()
        self.waiting = None
        self.readiness.reset(time.monotonic())

    def due(self, now: float) -> bool:
        """Whether a (re)start is due: never started, or back-off over."""
        return self.popen is None and now >= self.restart_at

    def poll(self) -> bool:
        """Notices the process's exit; True if it just exited."""
        if self.popen is None or self.popen.poll() is None:
            return False
        self._terminated(self.popen.returncode)
        return True

    def _terminated(self, returncode: int) -> None:
        finished = time.time()
        code = exit_code(returncode)
        self.last_terminated = {
            "exitCode": code,
            "reason": "Completed" if code == 0 else "Error",
            "message": self.log_tail(),
            "startedAt": rfc3339(self.started_at),
            "finishedAt": rfc3339(finished),
        }
        ran = finished - self.started_at
        self.backoff = (
            self.initial_backoff
            if ran >= RESET_BACKOFF_AFTER or not self.backoff
            else min(self.backoff * 2, MAX_BACKOFF)
        )
        self.restart_at = time.monotonic() + self.backoff
        self.restart_count += 1
        self.popen = None
        self.readiness.ready = False
        self.waiting = (
            "CrashLoopBackOff",
            f"back-off {self.backoff:.0f}s restarting failed container={self.name}",
        )

    def log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - MESSAGE_BYTES))
            return f.read().decode(errors="replace")

    def signal(self, sig: int) -> None:
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def view(self, image: str) -> ContainerView:
        pid = self.popen.pid if self.popen is not None else 0
        return ContainerView(
            name=self.name,
            image=image,
            restart_count=self.restart_count,
            ready=self.running and self.readiness.ready,
            running_since=rfc3339(self.started_at) if self.running else None,
            waiting=self.waiting,
            last_terminated=self.last_terminated,
            container_id=f"procnode://{pid}" if pid else "",
        )
