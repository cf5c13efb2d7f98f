"""The OCI image layout as hack/image/oci.py writes and reads it."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

from hack.image.layer import Layer, write_archive, write_layer
from hack.image.oci import (
    CONFIG,
    LAYER,
    MANIFEST,
    REF_NAME,
    LayoutError,
    RuntimeConfig,
    read_layout,
    write_layout,
)

CONFIG_ = RuntimeConfig(
    user="65532:65532",
    entrypoint=("tool",),
    cmd=("run", "--flag"),
    env=("PATH=/usr/bin", "A=b=c"),
    working_dir="/",
    labels={"org.opencontainers.image.version": "1.2.3"},
)


def layers(tmp_path: Path) -> list[Layer]:
    out = []
    for name in ("base", "app"):
        tree = tmp_path / name
        tree.mkdir()
        (tree / f"{name}.txt").write_text(name)
        out.append(write_layer(tree, tmp_path / f"{name}.tar.gz", reproducible=True))
    return out


def blob(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.removeprefix("sha256:")


def test_a_written_layout_reads_back_as_the_same_image(tmp_path: Path) -> None:
    written = layers(tmp_path)
    write_layout(tmp_path / "oci", "1.2.3", "amd64", CONFIG_, written, ["base", "app"])
    image = read_layout(tmp_path / "oci", "1.2.3")
    assert image.config == CONFIG_
    assert image.architecture == "amd64"
    assert image.layers == tuple(blob(tmp_path / "oci", layer.digest) for layer in written)
    assert image.config.environment() == {"PATH": "/usr/bin", "A": "b=c"}


def test_the_index_names_the_manifest_by_its_tag_and_the_manifest_its_blobs(
    tmp_path: Path,
) -> None:
    written = layers(tmp_path)
    layout = tmp_path / "oci"
    digest = write_layout(layout, "1.2.3", "amd64", CONFIG_, written, ["base", "app"])
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    (entry,) = json.loads((layout / "index.json").read_text())["manifests"]
    assert (entry["mediaType"], entry["digest"]) == (MANIFEST, digest)
    assert entry["annotations"] == {REF_NAME: "1.2.3"}
    manifest = json.loads(blob(layout, digest).read_text())
    assert manifest["config"]["mediaType"] == CONFIG
    assert [(d["mediaType"], d["digest"], d["size"]) for d in manifest["layers"]] == [
        (LAYER, layer.digest, layer.size) for layer in written
    ]
    config = json.loads(blob(layout, manifest["config"]["digest"]).read_text())
    assert config["rootfs"] == {"type": "layers", "diff_ids": [w.diff_id for w in written]}
    assert config["config"]["User"] == "65532:65532"


def test_a_blob_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    written = layers(tmp_path)
    write_layout(tmp_path / "oci", "1.2.3", "amd64", CONFIG_, written, ["base", "app"])
    blob(tmp_path / "oci", written[1].digest).write_bytes(b"not the layer")
    with pytest.raises(LayoutError, match="does not match its digest"):
        read_layout(tmp_path / "oci", "1.2.3")


def test_an_unknown_tag_is_refused(tmp_path: Path) -> None:
    write_layout(tmp_path / "oci", "1.2.3", "amd64", CONFIG_, layers(tmp_path), ["a", "b"])
    with pytest.raises(LayoutError, match=re.escape("0 manifests tagged '9.9.9'")):
        read_layout(tmp_path / "oci", "9.9.9")


def test_the_archive_holds_the_layout_at_its_root(tmp_path: Path) -> None:
    write_layout(tmp_path / "oci", "1.2.3", "amd64", CONFIG_, layers(tmp_path), ["a", "b"])
    write_archive(tmp_path / "oci", tmp_path / "image.tar")
    with tarfile.open(tmp_path / "image.tar") as tar:
        names = set(tar.getnames())
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert {"oci-layout", "index.json", "blobs/sha256"} <= names
    assert read_layout(tmp_path / "unpacked", "1.2.3").config == CONFIG_
