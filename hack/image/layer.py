"""Directory trees as tar streams: the image's gzip-compressed layers, and the oci-archive.

Entries are written in sorted order with numeric owners only (a user name means nothing
outside the build host), so the same tree gives the same bytes. A `reproducible` tree also
loses what the build machine put there: every entry is owned by root, dated at the epoch and
given mode 0755 or 0644, as image builders like ko and jib do for application layers.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

EPOCH = 0
GZIP_LEVEL = 6  # the default of gzip(1): most of level 9's ratio at a fraction of its time


@dataclass(frozen=True)
class Layer:
    """A compressed layer blob and the two digests an image names it by."""

    path: Path
    digest: str  # sha256 of the blob: the manifest's descriptor
    diff_id: str  # sha256 of the uncompressed tar: the config's rootfs.diff_ids
    size: int


class _Sink(Protocol):
    def write(self, data: memoryview, /) -> object: ...


class _Digesting(io.RawIOBase):
    """Passes bytes through to `sink`, counting and hashing them on the way."""

    def __init__(self, sink: _Sink) -> None:
        self._sink = sink
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.size += view.nbytes
        self._sink.write(view)
        return view.nbytes

    @property
    def digest(self) -> str:
        return f"sha256:{self.sha256.hexdigest()}"


def entries(root: Path, exclude: Callable[[str], bool]) -> Iterator[tuple[Path, str]]:
    """(path, name in the archive) of everything under `root`, parents before children,
    siblings sorted; symlinks are entries, never followed. `exclude(name)` drops an entry
    (a directory's contents go with it)."""

    def walk(directory: Path) -> Iterator[tuple[Path, str]]:
        for item in sorted(os.scandir(directory), key=lambda e: e.name):
            path = Path(item.path)
            name = path.relative_to(root).as_posix()
            if exclude(name):
                continue
            yield path, name
            if item.is_dir(follow_symlinks=False):
                yield from walk(path)

    return walk(root)


def add_tree(
    tar: tarfile.TarFile,
    root: Path,
    *,
    reproducible: bool,
    exclude: Callable[[str], bool] = lambda name: False,
) -> None:
    """Add everything under `root` (not `root` itself) to `tar`."""
    for path, name in entries(root, exclude):
        info = tar.gettarinfo(str(path), arcname=name)
        if info is None:
            raise ValueError(f"{path}: a socket cannot go into an archive")
        info.uname = info.gname = ""
        if reproducible:
            _normalize(info)
        if info.isreg():
            with path.open("rb") as content:
                tar.addfile(info, content)
        else:
            tar.addfile(info)


def _normalize(info: tarfile.TarInfo) -> None:
    info.uid = info.gid = 0
    info.mtime = EPOCH
    executable = info.isdir() or bool(info.mode & 0o111)
    info.mode = 0o755 if executable else 0o644


def write_layer(
    root: Path,
    out: Path,
    *,
    reproducible: bool,
    exclude: Callable[[str], bool] = lambda name: False,
) -> Layer:
    """The tree under `root` as a gzip-compressed layer at `out`."""
    with out.open("wb") as file:
        compressed = _Digesting(file)
        # No file name and a fixed time in the gzip header, so equal trees give equal blobs.
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=compressed, mtime=EPOCH, compresslevel=GZIP_LEVEL
        ) as gz:
            uncompressed = _Digesting(gz)
            stream = io.BufferedWriter(uncompressed)
            with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                add_tree(tar, root, reproducible=reproducible, exclude=exclude)
            # tarfile leaves a file object it was given open, and so unflushed.
            stream.flush()
    return Layer(out, compressed.digest, uncompressed.digest, compressed.size)


def write_archive(root: Path, out: Path) -> None:
    """The tree under `root` as a plain tar at `out` (an oci-archive, for a layout)."""
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        add_tree(tar, root, reproducible=True)
