"""`python -m hack.procnode.sandbox SPEC.json`: becomes one container's process.

In a new mount (and UTS) namespace, with every mount private so nothing leaks to the host:
- with a `root`: a tmpfs there becomes the container's root, holding only what the spec
  binds into it (the image's binary at its entrypoint, the volumes at their mountPaths, the
  shared hosts file at /etc/hosts, /proc, /dev and a private /tmp), then chroot;
- without one (the operator, run on the host as is): only the hosts file over /etc/hosts.
Then it execs the argv, so the process keeps this PID (and the parent-death signal the
kubelet set before starting us).

Needs root (or CAP_SYS_ADMIN), as a kubelet does.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
MS_RDONLY = 1
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
NSSWITCH = "hosts: files\n"
"""The container resolves names from its hosts file only: no DNS server answers here."""


@dataclass(frozen=True)
class Bind:
    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class Spec:
    argv: list[str]
    env: dict[str, str] | None
    """None: the sandbox's own environment."""
    binds: list[Bind] = field(default_factory=list)
    root: str | None = None
    hostname: str | None = None
    cwd: str = "/"

    def to_json(self) -> str:
        return json.dumps(
            {
                "argv": self.argv,
                "env": self.env,
                "binds": [vars(b) for b in self.binds],
                "root": self.root,
                "hostname": self.hostname,
                "cwd": self.cwd,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Spec:
        raw: dict[str, Any] = json.loads(text)
        return cls(
            argv=raw["argv"],
            env=raw["env"],
            binds=[Bind(**b) for b in raw["binds"]],
            root=raw["root"],
            hostname=raw["hostname"],
            cwd=raw["cwd"],
        )


_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:  # fmt: skip
    def enc(s: str | None) -> bytes | None:
        return s.encode() if s is not None else None

    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)),
           f"mount {source} on {target}")  # fmt: skip


def _bind(bind: Bind, root: str) -> None:
    target = root + bind.target
    if os.path.isdir(bind.source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            Path(target).touch()
    _mount(bind.source, target, None, MS_BIND | MS_REC)
    if bind.read_only:
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY)


def enter(spec: Spec) -> None:
    """Builds the namespace and the root the spec describes (then the caller execs)."""
    flags = CLONE_NEWNS | (CLONE_NEWUTS if spec.hostname else 0)
    _check(_libc.unshare(flags), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    if spec.hostname:
        name = spec.hostname.encode()
        _check(_libc.sethostname(name, len(name)), "sethostname")
    if spec.root is None:
        for bind in spec.binds:
            _bind(bind, "")
        return
    os.makedirs(spec.root, exist_ok=True)
    _mount("tmpfs", spec.root, "tmpfs", 0, "mode=0755")
    os.makedirs(spec.root + "/etc", exist_ok=True)
    Path(spec.root + "/etc/nsswitch.conf").write_text(NSSWITCH)
    for bind in spec.binds:
        _bind(bind, spec.root)
    os.chroot(spec.root)
    os.chdir(spec.cwd)


def with_hosts(hosts_file: Path, argv: list[str], spec_path: Path) -> list[str]:
    """`argv` run on the host as it is, but for /etc/hosts, which is `hosts_file`: how a
    process outside the Pods (the operator) resolves the cluster's names."""
    spec = Spec(argv=argv, env=None, binds=[Bind(str(hosts_file), "/etc/hosts", True)])
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(spec.to_json())
    return [sys.executable, "-m", "hack.procnode.sandbox", str(spec_path)]


def main(argv: list[str]) -> int:
    spec = Spec.from_json(Path(argv[1]).read_text())
    try:
        enter(spec)
        os.execvpe(spec.argv[0], spec.argv, os.environ if spec.env is None else spec.env)
    except OSError as e:
        # What a container runtime reports when it cannot start the process.
        print(f"procnode sandbox: {e}", file=sys.stderr, flush=True)
        return 128
    return 0  # not reached: exec replaced us


if __name__ == "__main__":
    sys.exit(main(sys.argv))
