"""An image's container, as far as the end-to-end tests need one, without a container runtime:
its layers applied in order into a directory, the files a Pod's service account gets, and
the image's own command, user and environment run there by chroot(1) as root.

No /proc, /dev or /etc/resolv.conf is set up: the operator reads none of them (its
clients talk to 127.0.0.1 by address, and prometheus_client only leaves out the process_*
metrics without /proc), and chroot keeps the network namespace, so loopback is the host's.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from hack.image.oci import Image, RuntimeConfig

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
MAX_SYMLINKS = 40  # as Linux's path resolution


def unpack(image: Image, rootfs: Path) -> None:
    """Apply the image's layers, base first, into the empty directory `rootfs`, keeping
    numeric owners and modes. Whiteouts are refused: hack/image never writes them (its
    layers only add files), so one here means the layout is not what it built."""
    # No layer has an entry for / itself; a runtime makes it 0755 (a temporary directory is
    # 0700, which no one but root could enter).
    rootfs.chmod(0o755)
    for blob in image.layers:
        with tarfile.open(blob, "r:gz") as layer:
            members = layer.getmembers()
            whiteouts = [m.name for m in members if PurePosixPath(m.name).name.startswith(".wh.")]
            assert not whiteouts, f"{blob.name}: whiteouts {whiteouts[:5]}"
            layer.extractall(rootfs, members, numeric_owner=True, filter="fully_trusted")


def inside(rootfs: Path, path: str) -> Path:
    """Where `path`, as the chroot sees it, is on the host: its symlinks resolved against
    `rootfs` (Debian's /var/run is a symlink to /run, which on the host is the host's)."""
    resolved = rootfs
    parts = list(PurePosixPath(path).parts[1:])
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            resolved = resolved.parent if resolved != rootfs else rootfs
            continue
        candidate = resolved / part
        if not candidate.is_symlink():
            resolved = candidate
            continue
        hops += 1
        assert hops <= MAX_SYMLINKS, f"{path}: too many symlinks in {rootfs}"
        target = PurePosixPath(os.readlink(candidate))
        if target.is_absolute():
            resolved = rootfs
        parts = [*target.parts[1 if target.is_absolute() else 0 :], *parts]
    return resolved


def write_service_account(rootfs: Path, token: str, ca: bytes, namespace: str) -> None:
    """The files the kubelet mounts into every container of a Pod with a service account
    token: what kubernetes_asyncio's in-cluster configuration reads."""
    directory = inside(rootfs, SERVICE_ACCOUNT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "token").write_text(token)
    (directory / "ca.crt").write_bytes(ca)
    (directory / "namespace").write_text(namespace)


def chroot_argv(
    rootfs: Path, config: RuntimeConfig, args: Sequence[str] | None = None
) -> list[str]:
    """The image's Entrypoint with `args` (by default its Cmd, as a Pod without `args`), run
    in `rootfs` as the image's User. Run it with the image's Env: chroot finds the entrypoint
    on that PATH."""
    # chroot(1) always starts in the new root's /.
    assert config.working_dir in ("", "/"), f"WorkingDir {config.working_dir} is not /"
    chroot = shutil.which("chroot")
    assert chroot is not None, "chroot (coreutils) is not on PATH"
    command = [*config.entrypoint, *(config.cmd if args is None else args)]
    return [chroot, f"--userspec={config.user}", str(rootfs), *command]
