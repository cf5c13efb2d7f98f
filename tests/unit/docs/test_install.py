"""The kustomize overlays docs/install.md tells people to write build, and do what it says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.unit.kustomize import kustomize, needs_kubectl

REPO = Path(__file__).resolve().parents[3]
INSTALL = REPO / "docs" / "install.md"

pytestmark = needs_kubectl


def overlays() -> dict[str, str]:
    """Directory → kustomization.yaml of every YAML block that starts with
    `# <dir>/kustomization.yaml`."""
    blocks = re.findall(
        r"^```yaml\n# ([\w-]+)/kustomization\.yaml\n(.*?)^```",
        INSTALL.read_text(),
        re.MULTILINE | re.DOTALL,
    )
    return dict(blocks)


def build(tmp_path: Path, directory: str) -> list[dict[str, Any]]:
    # The overlay sits beside manifests/, as the page says.
    (tmp_path / "manifests").symlink_to(REPO / "manifests")
    (tmp_path / directory).mkdir()
    (tmp_path / directory / "kustomization.yaml").write_text(overlays()[directory])
    return kustomize(tmp_path / directory)


def test_the_page_shows_both_overlays() -> None:
    assert set(overlays()) == {"my-install", "team-a"}


@pytest.mark.parametrize(
    ("directory", "namespace"), [("my-install", "tikv-operator-system"), ("team-a", "team-a")]
)
def test_an_overlay_from_the_page_builds_with_the_pushed_image(
    tmp_path: Path, directory: str, namespace: str
) -> None:
    objects = build(tmp_path, directory)
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    assert deployment["metadata"]["namespace"] == namespace
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.example.com/tikv-operator:v0.1.0"
    for binding in (o for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")):
        assert binding["subjects"][0]["namespace"] == namespace
