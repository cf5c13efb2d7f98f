"""The controllers' task lists, rendered from their declarations (each controller's
`RECONCILER`) for the generated section of docs/architecture.md."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from controllers.common.reconcile import Reconciler
from controllers.common.runner import Branch, Step, Task
from tikv_operator.cmd.run import CONTROLLERS

REPO = Path(__file__).resolve().parents[2]
BEGIN = "<!-- BEGIN GENERATED: task lists (make docs) -->"
END = "<!-- END GENERATED: task lists -->"

RECONCILED_KIND = {
    "cluster": "Cluster",
    "pdgroup": "PDGroup",
    "pd": "PD",
    "tikvgroup": "TiKVGroup",
    "tikv": "TiKV",
}


def _code(fn: Any) -> str:
    """A link to the module holding `fn`, relative to docs/, and the function's name."""
    path = Path(inspect.getfile(fn)).resolve().relative_to(REPO)
    return f"[`{path.as_posix()}`](../{path.as_posix()}) `{fn.__name__}`"


def _rows(steps: Sequence[Step[Any]], start: int) -> list[str]:
    rows = []
    n = start
    for step in steps:
        if isinstance(step, Task):
            rows.append(f"| {n} | `{step.name}` | | {_code(step.fn)} |")
            n += 1
            continue
        assert isinstance(step, Branch)
        when = f"if `{step.name}`, instead of the rest"
        for i, t in enumerate(step.tasks):
            label = f"{n}.{i + 1}"
            rows.append(f"| {label} | `{t.name}` | {when if i == 0 else '〃'} | {_code(t.fn)} |")
        n += 1
    return rows


def render_reconciler(reconciler: Reconciler[Any]) -> list[str]:
    kind = RECONCILED_KIND[reconciler.name]
    informers = ", ".join(k.kind for k in reconciler.informers)
    status = ", ".join(f"`{t.name}`" for t in reconciler.status_tasks if isinstance(t, Task))
    out = [
        f"#### `{reconciler.name}` ({kind})",
        "",
        f"Caches: {informers}.",
        "",
        "| # | Task | Runs | Code |",
        "| --- | --- | --- | --- |",
        *_rows(reconciler.tasks, 1),
        "",
        f"Then {status}, however the tasks above ended, when {_code(reconciler.wants_status)} "
        "allows it.",
        "",
    ]
    return out


def render() -> str:
    """The generated section, between its markers."""
    lines = [BEGIN, ""]
    for module in CONTROLLERS:
        lines += render_reconciler(module.RECONCILER)
    lines.append(END)
    return "\n".join(lines)


def replace_section(document: str) -> str:
    """`document` with its generated section rendered anew."""
    before, sep, rest = document.partition(BEGIN)
    if not sep:
        raise ValueError(f"the document has no {BEGIN!r} marker")
    _, sep, after = rest.partition(END)
    if not sep:
        raise ValueError(f"the document has no {END!r} marker")
    return before + render() + after
