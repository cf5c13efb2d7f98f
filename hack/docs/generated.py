"""The generated documentation and where it is committed."""

from __future__ import annotations

from pathlib import Path

from hack.docs import api, tasks

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
API = DOCS / "api.md"
ARCHITECTURE = DOCS / "architecture.md"


def generated_files() -> dict[Path, str]:
    """Each generated file's path and wanted content: docs/api.md whole, and
    docs/architecture.md with its task-list section rendered anew (the rest is prose)."""
    return {
        API: api.render(),
        ARCHITECTURE: tasks.replace_section(ARCHITECTURE.read_text()),
    }
