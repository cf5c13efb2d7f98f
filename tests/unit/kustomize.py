"""Building kustomizations with kubectl's built-in kustomize, for the tests of the manifests
and of the overlays the docs show."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl (with built-in kustomize) is not on PATH"
)


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize directory` renders."""
    result = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=True
    )
    return list(yaml.safe_load_all(result.stdout))
