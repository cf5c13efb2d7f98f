"""`make dev ARGS=--real-pd` brings up real pd-server members and store stubs to a Ready and
Available Cluster, and stops every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hack.localcluster import REPO

from .harness import rooted_under

pytestmark = pytest.mark.realpd


def test_make_dev_real_pd_reaches_a_ready_and_available_cluster(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hack.dev", "--real-pd", f"--workdir={tmp_path}", "--timeout=180"],
        cwd=REPO,
        env={**os.environ, "DEV_EXIT_WHEN_READY": "1"},
        capture_output=True,
        text=True,
        timeout=360,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Cluster default/basic is Ready" in done.stdout
    assert "Available=True" in done.stdout
    assert "PD members run as real pd-server, TiKV stores as the store stub" in done.stdout
    # Every process started for it is gone, the pd-servers and store stubs (found by their
    # private roots, under the workdir) with the process kubelet.
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert left.stdout == "", left.stdout
    assert rooted_under(str(tmp_path)) == []
