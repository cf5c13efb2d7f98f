"""Links between the docs (and from the README) lead somewhere: the file exists, and the
heading an anchor names is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DOCUMENTS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
_FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, and a
    repeated heading numbered -1, -2..."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", _FENCED.sub("", markdown), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(markdown: str) -> list[str]:
    """Relative link targets outside code."""
    text = _CODE.sub("", _FENCED.sub("", markdown))
    return [t for t in _LINK.findall(text) if not re.match(r"^[a-z]+:", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_resolves(document: Path) -> None:
    for target in links(document.read_text()):
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        assert resolved.exists(), f"{document.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved.read_text()), (
                f"{document.name}: {target} names no heading of {resolved.name}"
            )


def test_anchors_follow_githubs_rules() -> None:
    assert anchors("# A, b and `c`\n## A, b and `c`\n") == {"a-b-and-c", "a-b-and-c-1"}
    assert links("[x](a.md#b) `[y](c.md)` [z](https://example.org)") == ["a.md#b"]
