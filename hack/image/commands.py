"""The outside commands the image build runs, and the Debian packages that bring them,
installed with apt-get when missing, as the other make targets install what they need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

OUTPUT_TAIL = 3000


class ImageBuildError(RuntimeError):
    """The image could not be built; the message says what failed and what to do."""


def log(message: str) -> None:
    print(f"[image] {message}", file=sys.stderr, flush=True)


def run(argv: Sequence[str | Path], *, env: dict[str, str] | None = None) -> str:
    """Run `argv` without standard input (mmdebstrap would read a sources.list from it);
    its standard output, or ImageBuildError with the tail of what it printed."""
    done = subprocess.run(
        [str(a) for a in argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-OUTPUT_TAIL:]
        raise ImageBuildError(f"{' '.join(map(str, argv))} exited {done.returncode}:\n{output}")
    return done.stdout


def ensure_command(command: str, package: str) -> None:
    """Install Debian's `package` unless `command` is already on PATH."""
    if shutil.which(command):
        return
    if os.geteuid() != 0:
        raise ImageBuildError(
            f"{command} is missing and only root can install it: apt-get install {package}"
        )
    if not _has_candidate(package):
        log(f"apt knows no {package}; refreshing the package lists")
        run(["apt-get", "update", "-qq"])
    if not _has_candidate(package):
        raise ImageBuildError(f"{command} is missing and apt has no {package} package")
    log(f"installing {package} with apt-get")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    noninteractive = {"DEBIAN_FRONTEND": "noninteractive"}
    try:
        run(install, env=noninteractive)
    except ImageBuildError:
        # Package lists older than the mirror name files it no longer has.
        log("apt-get install failed; refreshing the package lists and trying once more")
        run(["apt-get", "update", "-qq"])
        run(install, env=noninteractive)
    if not shutil.which(command):
        raise ImageBuildError(f"{package} is installed but {command} is not on PATH")


def _has_candidate(package: str) -> bool:
    policy = subprocess.run(
        ["apt-cache", "policy", package], capture_output=True, text=True, check=False
    ).stdout
    candidates = [
        line.split(":", 1)[1].strip()
        for line in policy.splitlines()
        if line.strip().startswith("Candidate:")
    ]
    return bool(candidates) and candidates[0] != "(none)"
