"""What the operator's image is, in one place: its Debian base, where the package goes, and
how it runs. The base (base.py), the Python layers (python_layers.py) and the image config
(build.py) all read it; nothing else defines the image."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

NAME = "tikv-operator"


@dataclass(frozen=True)
class BaseSpec:
    """The Debian root filesystem under the operator, built by mmdebstrap. Its hash keys the
    cache (base.py): any change here builds a new base."""

    # Debian 12; its python3 is 3.11, the version the project targets.
    suite: str = "bookworm"
    mirrors: tuple[str, ...] = (
        "deb http://deb.debian.org/debian bookworm main",
        "deb http://deb.debian.org/debian bookworm-updates main",
        "deb http://deb.debian.org/debian-security bookworm-security main",
    )
    # The Essential set plus python3 (with the ssl, sqlite3 and ctypes modules it ships).
    variant: str = "essential"
    packages: tuple[str, ...] = ("python3",)
    # Merged /usr through symlinks set up by mmdebstrap's hook, as debootstrap does: the
    # usrmerge package would pull in the whole of perl.
    hook_dirs: tuple[str, ...] = ("/usr/share/mmdebstrap/hooks/merged-usr",)
    # dpkg never unpacks documentation, man pages or translations; copyright files stay.
    dpkg_options: tuple[str, ...] = (
        "path-exclude=/usr/share/doc/*",
        "path-include=/usr/share/doc/*/copyright",
        "path-exclude=/usr/share/man/*",
        "path-exclude=/usr/share/info/*",
        "path-exclude=/usr/share/locale/*",
        "path-exclude=/usr/share/lintian/*",
    )
    # Removed after mmdebstrap: what apt and dpkg leave behind (the image has no apt), and
    # the build host's resolv.conf and hostname, which a container runtime provides.
    prune: tuple[str, ...] = (
        "etc/resolv.conf",
        "etc/hostname",
        "var/lib/apt",
        "var/cache/apt",
        "var/log/apt",
        "var/cache/debconf/config.dat-old",
        "var/cache/debconf/templates.dat-old",
        "var/lib/dpkg/status-old",
    )
    # Left out of the layer: a container runtime mounts these.
    runtime_mounts: tuple[str, ...] = ("dev", "proc", "sys")
    user: str = NAME
    uid: int = 65532
    gid: int = 65532

    def key(self, architecture: str) -> str:
        """The cache key: the suite for people, a hash of everything else for the cache."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()
        return f"{self.suite}-{architecture}-{digest[:16]}"


BASE = BaseSpec()

INTERPRETER = "/usr/bin/python3"
"""Debian's python3, which runs the console scripts."""

SCRIPTS_DIR = "usr/local/bin"


def site_packages(python_version: str) -> str:
    """Where the operator and its dependencies go: Debian's python3 has this on sys.path for
    locally installed packages, so no PYTHONPATH or virtualenv is needed."""
    return f"usr/local/lib/python{python_version}/dist-packages"


# The runtime configuration. A fixed numeric uid, so Kubernetes can check runAsNonRoot
# without reading /etc/passwd; Cmd is what manifests/manager/deployment.yaml passes as args.
USER = f"{BASE.uid}:{BASE.gid}"
ENTRYPOINT = ("tikv-operator",)
CMD = ("run", "--leader-elect")
WORKING_DIR = "/"
ENV = (
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    # Logs reach the container runtime as they are written.
    "PYTHONUNBUFFERED=1",
    # The bytecode is compiled into the image; the root filesystem is read-only at run time.
    "PYTHONDONTWRITEBYTECODE=1",
)
