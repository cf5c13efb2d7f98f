"""The README's table of one run."""

from tests.bench import summary

RESULT = {
    "ready": {"reached": 20, "first_s": 5.0, "median_s": 12.345, "last_s": 20.0},
    "convergence": {
        "reconcile": {
            "pd": {"count": 3, "p50_ms": 3.1, "p99_ms": 41.0},
            "idle": {"count": 0, "p50_ms": None, "p99_ms": None},
        }
    },
    "steady": {"reconcile": {}},
}


def test_cells_join_several_figures_and_mark_the_missing() -> None:
    assert summary.cell(RESULT, "ready.first_s|ready.median_s|ready.last_s") == "5 / 12.35 / 20"
    assert summary.cell(RESULT, "scale.fleet_s") == "-"


def test_per_controller_lists_only_controllers_that_reconciled() -> None:
    assert summary.per_controller(RESULT, "convergence") == "pd 3.1/41"
    assert summary.per_controller(RESULT, "steady") == "no reconciles"


def test_markdown_has_a_row_per_figure() -> None:
    lines = summary.markdown(RESULT).splitlines()
    assert len(lines) == 2 + len(summary.ROWS) + 2
    assert "| clusters Ready | 20 |" in lines
