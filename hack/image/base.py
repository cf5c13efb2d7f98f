"""The image's base layer: a Debian root filesystem with python3, built by mmdebstrap from
Debian's packages (no base image is pulled), and cached.

Building it takes most of a cold `make image` (downloading and installing the packages), so
the finished layer is kept under `<cache>/image/base-<suite>-<arch>-<hash of BaseSpec>/`
with what the Python layers need to know of its interpreter. A change to BaseSpec builds a
new one; Debian's security updates arrive when the directory is removed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from hack.image.commands import ImageBuildError, ensure_command, log, run
from hack.image.layer import Layer, write_layer
from hack.image.spec import BASE, INTERPRETER, BaseSpec

# Debian's architecture names and the image config's (Go's GOARCH).
ARCHITECTURES = {"amd64": "amd64", "arm64": "arm64"}

# Run by the base's own python3: what the wheels and the bytecode must match.
PROBE = """
import json, platform, sys
libc, glibc = platform.libc_ver()
assert libc == "glibc", libc
print(json.dumps({
    "version": "%d.%d" % sys.version_info[:2],
    "abi": "cp%d%d" % sys.version_info[:2],
    "cache_tag": sys.implementation.cache_tag,
    "glibc": glibc,
    "machine": platform.machine(),
}))
"""


@dataclass(frozen=True)
class Interpreter:
    """The base's python3, as pip and compileall need to know it."""

    version: str  # "3.11": the site-packages directory
    abi: str  # "cp311": the wheels' ABI tag
    cache_tag: str  # "cpython-311": the bytecode it reads
    glibc: str  # "2.36": the newest manylinux wheels it runs
    machine: str  # "x86_64"


@dataclass(frozen=True)
class Base:
    layer: Layer
    interpreter: Interpreter
    architecture: str


def base_layer(cache: Path, spec: BaseSpec = BASE) -> Base:
    """The cached base layer for `spec`, built first if it is not there."""
    architecture = _architecture()
    directory = cache / "image" / f"base-{spec.key(architecture)}"
    if (directory / "base.json").exists():
        log(f"reusing the base layer in {directory}")
        return _load(directory)
    ensure_command("mmdebstrap", "mmdebstrap")
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its final place and renamed into it: an interrupted build leaves no
    # half-made base to be reused.
    work = Path(tempfile.mkdtemp(prefix=".base-", dir=directory.parent))
    try:
        _build(spec, architecture, work)
        try:
            work.rename(directory)
        except OSError:
            if not (directory / "base.json").exists():
                raise
            # Another build finished the same base first; its layer is as good.
    finally:
        _remove(work)
    return _load(directory)


def _remove(work: Path) -> None:
    """Remove the build directory, unless something is still mounted in it: mmdebstrap
    bind-mounts the host's /dev/shm into the root filesystem while it installs, and one
    killed before it unmounts would have rmtree delete the host's files through it."""
    if not work.exists():
        return
    mounted = _mount_points_under(work)
    if mounted:
        log(f"not removing {work}: {', '.join(mounted)} still mounted; unmount, then remove it")
        return
    shutil.rmtree(work)


def _mount_points_under(directory: Path) -> list[str]:
    prefix = f"{directory.resolve()}/"
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        # The fifth field; mountinfo writes a space in a path as \040.
        point = line.split()[4].replace("\\040", " ")
        if point.startswith(prefix):
            points.append(point)
    return points


def _build(spec: BaseSpec, architecture: str, work: Path) -> None:
    rootfs = work / "rootfs"
    log(f"building the Debian {spec.suite} base with mmdebstrap (a minute or two)")
    run(
        [
            "mmdebstrap",
            f"--variant={spec.variant}",
            f"--include={','.join(spec.packages)}",
            *(f"--hook-dir={d}" for d in spec.hook_dirs),
            *(f"--dpkgopt={o}" for o in spec.dpkg_options),
            spec.suite,
            rootfs,
            *spec.mirrors,
        ]
    )
    for path in spec.prune:
        target = rootfs / path
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    _add_user(rootfs, spec)
    interpreter = Interpreter(**json.loads(run(["chroot", rootfs, INTERPRETER, "-c", PROBE])))

    def runtime_mount_content(name: str) -> bool:
        top, _, rest = name.partition("/")
        return top in spec.runtime_mounts and bool(rest)

    layer = write_layer(
        rootfs, work / "layer.tar.gz", reproducible=False, exclude=runtime_mount_content
    )
    shutil.rmtree(rootfs)
    record = {
        "layer": {**asdict(layer), "path": layer.path.name},
        "interpreter": asdict(interpreter),
        "architecture": architecture,
    }
    (work / "base.json").write_text(json.dumps(record, indent=2) + "\n")
    log(f"base layer: {layer.size / 2**20:.1f} MiB compressed, python {interpreter.version}")


def _add_user(rootfs: Path, spec: BaseSpec) -> None:
    """The operator's user and group, so that tools showing names find one; the image runs
    as the numeric ids either way."""
    home, shell = "/nonexistent", "/usr/sbin/nologin"
    with (rootfs / "etc" / "passwd").open("a") as passwd:
        passwd.write(f"{spec.user}:x:{spec.uid}:{spec.gid}::{home}:{shell}\n")
    with (rootfs / "etc" / "group").open("a") as group:
        group.write(f"{spec.user}:x:{spec.gid}:\n")


def _load(directory: Path) -> Base:
    record = json.loads((directory / "base.json").read_text())
    layer = Layer(**{**record["layer"], "path": directory / record["layer"]["path"]})
    return Base(layer, Interpreter(**record["interpreter"]), record["architecture"])


def _architecture() -> str:
    """The image's architecture: mmdebstrap builds for the machine's own."""
    debian = run(["dpkg", "--print-architecture"]).strip()
    if debian not in ARCHITECTURES:
        raise ImageBuildError(f"no image architecture for Debian's {debian!r}")
    return ARCHITECTURES[debian]
