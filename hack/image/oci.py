"""The OCI image layout (image-spec v1.1): writing one image into a directory, and reading it
back with every digest checked.

A layout is `oci-layout`, `index.json` naming the manifest by its tag
(`org.opencontainers.image.ref.name`), and content-addressed `blobs/sha256/`: the manifest,
the config (runtime settings and the layers' uncompressed digests) and the layers. skopeo,
podman and containerd read it, as a directory or as a tar of the directory (an oci-archive).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hack.image.layer import Layer

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"
CHUNK = 1 << 20

Json = dict[str, Any]


class LayoutError(ValueError):
    """The layout is not one image as this module writes it, or a blob does not match its
    digest."""


@dataclass(frozen=True)
class RuntimeConfig:
    """The `config` of an image config: how a runtime starts the container."""

    user: str
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    env: tuple[str, ...]
    working_dir: str
    labels: dict[str, str]

    def to_json(self) -> Json:
        return {
            "User": self.user,
            "Entrypoint": list(self.entrypoint),
            "Cmd": list(self.cmd),
            "Env": list(self.env),
            "WorkingDir": self.working_dir,
            "Labels": dict(self.labels),
        }

    @classmethod
    def from_json(cls, config: Json) -> RuntimeConfig:
        return cls(
            user=config.get("User", ""),
            entrypoint=tuple(config.get("Entrypoint") or ()),
            cmd=tuple(config.get("Cmd") or ()),
            env=tuple(config.get("Env") or ()),
            working_dir=config.get("WorkingDir", ""),
            labels=dict(config.get("Labels") or {}),
        )

    def environment(self) -> dict[str, str]:
        """`env` as a mapping (a runtime's starting environment)."""
        return dict(entry.split("=", 1) for entry in self.env)


@dataclass(frozen=True)
class Image:
    """One image read from a layout: its settings and its layer blobs, base first."""

    tag: str
    architecture: str
    config: RuntimeConfig
    layers: tuple[Path, ...]


def write_layout(
    directory: Path,
    tag: str,
    architecture: str,
    config: RuntimeConfig,
    layers: Sequence[Layer],
    history: Sequence[str],
) -> str:
    """Write a layout holding one image tagged `tag` into the empty `directory`; `history`
    says what made each layer. Returns the manifest's digest."""
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for layer in layers:
        shutil.copyfile(layer.path, blobs / _hex(layer.digest))
    image_config = {
        "architecture": architecture,
        "os": "linux",
        "config": config.to_json(),
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        "history": [{"created_by": step} for step in history],
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": _write_json_blob(blobs, CONFIG, image_config),
        "layers": [
            {"mediaType": LAYER, "digest": layer.digest, "size": layer.size} for layer in layers
        ],
    }
    descriptor = _write_json_blob(blobs, MANIFEST, manifest)
    index = {
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [{**descriptor, "annotations": {REF_NAME: tag}}],
    }
    (directory / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    (directory / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}) + "\n")
    return str(descriptor["digest"])


def _write_json_blob(blobs: Path, media_type: str, content: Json) -> Json:
    data = json.dumps(content, indent=2, sort_keys=True).encode()
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}


def read_layout(directory: Path, tag: str) -> Image:
    """The image tagged `tag` in the layout at `directory`, after checking that every blob
    it names matches its digest and size, and each layer its diff_id."""
    index = json.loads((directory / "index.json").read_text())
    found = [m for m in index["manifests"] if m.get("annotations", {}).get(REF_NAME) == tag]
    if len(found) != 1:
        raise LayoutError(f"{directory}: {len(found)} manifests tagged {tag!r}, want one")
    manifest = json.loads(_verified(directory, found[0]).read_bytes())
    config = json.loads(_verified(directory, manifest["config"]).read_bytes())
    layers = tuple(_verified(directory, layer) for layer in manifest["layers"])
    diff_ids = config["rootfs"]["diff_ids"]
    if len(diff_ids) != len(layers):
        raise LayoutError(f"{len(layers)} layers but {len(diff_ids)} diff_ids")
    for path, diff_id in zip(layers, diff_ids, strict=True):
        if _uncompressed_digest(path) != diff_id:
            raise LayoutError(f"{path}: its uncompressed content is not {diff_id}")
    return Image(tag, config["architecture"], RuntimeConfig.from_json(config["config"]), layers)


def _verified(directory: Path, descriptor: Json) -> Path:
    path = directory / "blobs" / "sha256" / _hex(descriptor["digest"])
    sha256 = hashlib.sha256()
    with path.open("rb") as blob:
        while chunk := blob.read(CHUNK):
            sha256.update(chunk)
    if f"sha256:{sha256.hexdigest()}" != descriptor["digest"]:
        raise LayoutError(f"{path}: content does not match its digest")
    if path.stat().st_size != descriptor["size"]:
        raise LayoutError(
            f"{path}: {path.stat().st_size} bytes, the descriptor says {descriptor['size']}"
        )
    return path


def _uncompressed_digest(path: Path) -> str:
    sha256 = hashlib.sha256()
    with gzip.open(path, "rb") as layer:
        while chunk := layer.read(CHUNK):
            sha256.update(chunk)
    return f"sha256:{sha256.hexdigest()}"


def _hex(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    if algorithm != "sha256" or len(hex_digest) != 64:
        raise LayoutError(f"not a sha256 digest: {digest!r}")
    return hex_digest
