"""Every condition and event reason in the code is explained in docs/troubleshooting.md, so a
new reason without docs fails here."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import controllers
import controllers.common
from apis import conditions

REPO = Path(__file__).resolve().parents[3]
TROUBLESHOOTING = REPO / "docs" / "troubleshooting.md"
CAMEL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]+$")


def _reason_modules() -> list[ModuleType]:
    """Each controller's reasons module, apis.conditions (condition types and the reasons
    another controller reads), and every module of controllers.common (reasons the
    controllers share: InvalidSpec, VolumeExpansionNotAllowed, PodForceDeleted, ...)."""
    modules = [conditions]
    for package in pkgutil.iter_modules(controllers.__path__):
        if package.ispkg and package.name != "common":
            modules.append(importlib.import_module(f"controllers.{package.name}.reasons"))
    for module in pkgutil.iter_modules(controllers.common.__path__):
        modules.append(importlib.import_module(f"controllers.common.{module.name}"))
    return modules


def reasons() -> dict[str, str]:
    """Reason (or condition type) → where it is defined: every module constant with an
    upper-case name whose value is one CamelCase word."""
    found: dict[str, str] = {}
    for module in _reason_modules():
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and CAMEL_CASE.match(value):
                found.setdefault(value, f"{module.__name__}.{name}")
    return found


def test_the_scan_finds_the_reasons_of_every_controller_and_the_shared_ones() -> None:
    found = reasons()
    for expected in ("MaxReplicas", "QuorumAtRisk", "PodReady", "StoresNotEnough", "Available"):
        assert expected in found
    for shared in ("InvalidSpec", "VolumeExpansionNotAllowed", "PodForceDeleted"):
        assert shared in found


@pytest.mark.parametrize("reason", sorted(reasons()))
def test_every_reason_is_explained_in_the_troubleshooting_guide(reason: str) -> None:
    text = TROUBLESHOOTING.read_text()
    heading = re.search(rf"^#+ {reason}$", text, re.MULTILINE)
    assert heading or f"`{reason}`" in text, (
        f"{reason} ({reasons()[reason]}) is not in docs/troubleshooting.md: say what it "
        "means, what the operator waits for and what to do"
    )
