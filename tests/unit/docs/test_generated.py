"""The committed generated docs are what `make docs` renders: the API reference from the
models, the task lists from the controllers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apis import KINDS
from hack.docs import api, tasks
from hack.docs.generated import API, ARCHITECTURE, generated_files
from tikv_operator.cmd.run import CONTROLLERS


@pytest.mark.parametrize("path", sorted(generated_files()), ids=lambda p: p.name)
def test_committed_doc_is_what_make_docs_generates(path: Path) -> None:
    assert path.exists(), f"{path} is missing: run `make docs`"
    assert path.read_text() == generated_files()[path], f"{path} is stale: run `make docs`"


def _field_names(model: Any) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def test_the_reference_has_a_section_for_every_kind_and_nested_type() -> None:
    text = API.read_text()
    for model in [*KINDS, *api.nested_types(KINDS)]:
        title = getattr(model, "KIND", model.__name__)
        assert re.search(rf"^##+ {title}$", text, re.MULTILINE), title


def test_every_field_of_every_type_has_a_row() -> None:
    text = API.read_text()
    sections = re.split(r"^##+ ", text, flags=re.MULTILINE)
    by_title = {s.split("\n", 1)[0]: s for s in sections}
    for model in [*KINDS, *api.nested_types(KINDS)]:
        section = by_title[getattr(model, "KIND", model.__name__)]
        rows = set(re.findall(r"^\| `([A-Za-z]+)` \|", section, re.MULTILINE))
        assert rows == _field_names(model), model.__name__


def test_nested_links_point_at_sections_that_exist() -> None:
    text = API.read_text()
    anchors = {api.anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, target


def test_a_field_without_a_default_is_marked_required() -> None:
    text = API.read_text()
    assert "| `replicas` | integer (0 to 9) | **required** |" in text
    assert '| `storeDownTimeout` | [Duration](#duration) | `"30m"` |' in text


def test_angle_brackets_outside_code_are_escaped_for_markdown() -> None:
    assert api._one_line("PVC names (<volume>-<instance>) `<group>-<hash>`") == (
        "PVC names (&lt;volume&gt;-&lt;instance&gt;) `<group>-<hash>`"
    )


def test_every_controller_task_is_listed_in_the_architecture() -> None:
    text = ARCHITECTURE.read_text()
    for module in CONTROLLERS:
        assert f"#### `{module.RECONCILER.name}`" in text
        for step in module.RECONCILER.tasks:
            for task in getattr(step, "tasks", [step]):
                assert f"`{task.name}`" in text


def test_the_generated_section_needs_its_markers() -> None:
    with pytest.raises(ValueError, match="BEGIN GENERATED"):
        tasks.replace_section("# no markers here\n")


def test_the_code_links_of_the_task_lists_name_existing_files() -> None:
    for link in re.findall(r"\]\(\.\./([^)]+)\)", tasks.render()):
        assert (tasks.REPO / link).is_file(), link
