"""`make dev ARGS=--real-pd` brings up real pd-server members and stops every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hack.localcluster import REPO

pytestmark = pytest.mark.realpd


def test_make_dev_real_pd_reaches_a_ready_pd_group(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hack.dev", "--real-pd", f"--workdir={tmp_path}", "--timeout=180"],
        cwd=REPO,
        env={**os.environ, "DEV_EXIT_WHEN_READY": "1"},
        capture_output=True,
        text=True,
        timeout=360,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PD of Cluster default/basic is Ready" in done.stdout
    assert "PD members run as real pd-server" in done.stdout
    # Every process started for it is gone, the pd-servers (found by their private roots,
    # under the workdir) with the process kubelet.
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert left.stdout == "", left.stdout
    assert rooted_under(tmp_path) == []


def rooted_under(directory: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            root = os.readlink(proc / "root")
        except OSError:  # not a process, or gone meanwhile
            continue
        if root.startswith(str(directory)):
            pids.append(int(proc.name))
    return pids
