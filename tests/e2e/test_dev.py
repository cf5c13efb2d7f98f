"""`make dev` on a fresh control plane reaches a Ready cluster and says how to reach it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hack.localcluster import REPO

pytestmark = pytest.mark.e2e


def test_make_dev_reaches_ready_and_prints_the_kubeconfig(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hack.dev", f"--workdir={tmp_path}", "--timeout=240"],
        cwd=REPO,
        env={**os.environ, "DEV_EXIT_WHEN_READY": "1"},
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Cluster default/basic is Ready" in done.stdout
    assert f"export KUBECONFIG={tmp_path}" in done.stdout
