"""One image build: the cached base, the two Python layers, the layout and the archive."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hack.image import spec
from hack.image.base import base_layer
from hack.image.commands import log
from hack.image.layer import Layer, write_archive, write_layer
from hack.image.oci import RuntimeConfig, write_layout
from hack.image.python_layers import python_trees

LAYOUT_DIR = "oci"


@dataclass(frozen=True)
class Built:
    tag: str  # the package's version
    layout: Path  # the OCI image layout directory
    archive: Path  # the same layout as one tar (an oci-archive)
    digest: str  # the manifest's
    layers: tuple[Layer, ...]


def runtime_config(version: str) -> RuntimeConfig:
    return RuntimeConfig(
        user=spec.USER,
        entrypoint=spec.ENTRYPOINT,
        cmd=spec.CMD,
        env=spec.ENV,
        working_dir=spec.WORKING_DIR,
        labels={
            "org.opencontainers.image.title": spec.NAME,
            "org.opencontainers.image.version": version,
        },
    )


def build_image(output: Path, cache: Path) -> Built:
    """Build the image into `output` (its `oci/` layout and `tikv-operator-<version>.oci.tar`,
    both replaced), reusing the base layer cached under `cache`."""
    base = base_layer(cache)
    with tempfile.TemporaryDirectory(prefix="tikv-operator-image-") as tmp:
        work = Path(tmp)
        trees = python_trees(work, base.interpreter)
        log("writing the layers")
        layers = (
            base.layer,
            write_layer(trees.dependencies, work / "dependencies.tar.gz", reproducible=True),
            write_layer(trees.operator, work / "operator.tar.gz", reproducible=True),
        )
        history = (
            f"mmdebstrap --variant={spec.BASE.variant} --include={','.join(spec.BASE.packages)} "
            f"{spec.BASE.suite}",
            f"pip install: the dependencies of {spec.NAME} {trees.version}",
            f"pip install: {spec.NAME} {trees.version}",
        )
        layout = output / LAYOUT_DIR
        shutil.rmtree(layout, ignore_errors=True)
        output.mkdir(parents=True, exist_ok=True)
        digest = write_layout(
            layout,
            trees.version,
            base.architecture,
            runtime_config(trees.version),
            layers,
            history,
        )
    archive = output / f"{spec.NAME}-{trees.version}.oci.tar"
    write_archive(layout, archive)
    return Built(trees.version, layout, archive, digest, layers)
