"""Layers as hack/image/layer.py writes them: reproducible trees, honest digests."""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

from hack.image.layer import EPOCH, write_layer


def make_tree(root: Path) -> Path:
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "tool").write_text("#!/bin/sh\n")
    (root / "usr" / "bin" / "tool").chmod(0o700)
    (root / "usr" / "lib").mkdir()
    (root / "usr" / "lib" / "data").write_text("data")
    os.link(root / "usr" / "lib" / "data", root / "usr" / "lib" / "same-data")
    (root / "bin").symlink_to("usr/bin")
    (root / "dev").mkdir()
    (root / "dev" / "null-ish").write_text("")
    os.utime(root / "usr" / "lib" / "data", (1_700_000_000, 1_700_000_000))
    return root


def members(blob: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(blob, "r:gz") as tar:
        return {m.name: m for m in tar.getmembers()}


def test_a_reproducible_layer_is_root_owned_dated_at_the_epoch_with_plain_modes(
    tmp_path: Path,
) -> None:
    layer = write_layer(make_tree(tmp_path / "tree"), tmp_path / "l.tar.gz", reproducible=True)
    found = members(layer.path)
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in found.values()} == {
        (0, 0, "", "", EPOCH)
    }
    assert found["usr/bin/tool"].mode == 0o755
    assert found["usr/lib/data"].mode == 0o644
    assert found["usr"].mode == 0o755


def test_entries_come_parents_first_in_sorted_order_with_links_kept(tmp_path: Path) -> None:
    layer = write_layer(make_tree(tmp_path / "tree"), tmp_path / "l.tar.gz", reproducible=True)
    with tarfile.open(layer.path, "r:gz") as tar:
        names = tar.getnames()
        assert names == [
            "bin",
            "dev",
            "dev/null-ish",
            "usr",
            "usr/bin",
            "usr/bin/tool",
            "usr/lib",
            "usr/lib/data",
            "usr/lib/same-data",
        ]
        assert tar.getmember("bin").issym() and tar.getmember("bin").linkname == "usr/bin"
        same = tar.getmember("usr/lib/same-data")
        assert same.islnk() and same.linkname == "usr/lib/data"


def test_the_same_tree_gives_the_same_blob(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    first = write_layer(tree, tmp_path / "1.tar.gz", reproducible=True)
    second = write_layer(tree, tmp_path / "2.tar.gz", reproducible=True)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert (first.digest, first.diff_id) == (second.digest, second.diff_id)


def test_the_digests_are_those_of_the_blob_and_of_its_uncompressed_tar(tmp_path: Path) -> None:
    layer = write_layer(make_tree(tmp_path / "tree"), tmp_path / "l.tar.gz", reproducible=True)
    blob = layer.path.read_bytes()
    assert layer.digest == f"sha256:{hashlib.sha256(blob).hexdigest()}"
    assert layer.diff_id == f"sha256:{hashlib.sha256(gzip.decompress(blob)).hexdigest()}"
    assert layer.size == len(blob)


def test_a_kept_tree_keeps_its_dates_and_an_excluded_directory_keeps_only_itself(
    tmp_path: Path,
) -> None:
    layer = write_layer(
        make_tree(tmp_path / "tree"),
        tmp_path / "l.tar.gz",
        reproducible=False,
        exclude=lambda name: name.startswith("dev/"),
    )
    found = members(layer.path)
    assert "dev" in found and "dev/null-ish" not in found
    assert found["usr/lib/data"].mtime == 1_700_000_000
    assert found["usr/bin/tool"].mode == 0o700
