"""The ours/v2 table: lookups, ratios and which side each figure favours."""

from tests.bench import compare
from tests.bench.compare import HIGHER, LOWER, Figure

OURS = {
    "ready": {"median_s": 10.0, "ready_fraction": 1.0},
    "steady": {"api": {"writes": {"per_min": 0.0}}},
}
V2 = {
    "ready": {"median_s": 20.0, "ready_fraction": 1.0},
    "steady": {"api": {"writes": {"per_min": 12.0}}},
}
FIGURES = (
    Figure("median", "ready.median_s", "s", LOWER),
    Figure("fraction", "ready.ready_fraction", "", HIGHER),
    Figure("writes", "steady.api.writes.per_min", "/min"),
    Figure("missing", "restart.resync_s", "s"),
)


def test_lookup_follows_the_path_and_misses_quietly() -> None:
    assert compare.lookup(OURS, "ready.median_s") == 10.0
    assert compare.lookup(OURS, "ready.nothing") is None
    assert compare.lookup({"a": True}, "a") is None


def test_ratio_is_ours_over_theirs_with_zero_handled() -> None:
    assert compare.ratio(10.0, 20.0) == 0.5
    assert compare.ratio(0.0, 0.0) == 1.0
    assert compare.ratio(3.0, 0.0) is None
    assert compare.ratio(None, 1.0) is None


def test_rows_say_which_side_is_better_for_each_figure() -> None:
    table = compare.rows(OURS, V2, FIGURES)
    assert [r.verdict for r in table] == ["ours", "same", "ours", "n/a"]
    assert table[0].ratio == 0.5 and table[2].ratio == 0.0


def test_higher_is_better_reads_the_other_way() -> None:
    fig = Figure("fraction", "x", "", HIGHER)
    assert compare.verdict(fig, 0.5, 1.0) == "v2"


def test_markdown_table_has_one_line_per_figure() -> None:
    md = compare.markdown_table(compare.rows(OURS, V2, FIGURES))
    lines = md.splitlines()
    assert len(lines) == 2 + len(FIGURES)
    assert lines[2] == "| median (s) | 10 | 20 | 0.50 | ours |"
    assert lines[-1] == "| missing (s) | - | - | - | n/a |"


def test_every_default_figure_reads_a_real_result_shape() -> None:
    # The paths the table reads must be paths the bench writes.
    result = {
        "ready": {"ready_fraction": 1, "median_s": 1, "last_s": 1, "fleet_s": 1},
        "convergence": {
            "operator_cpu": {"seconds": 1},
            "api": {"reads": {"count": 1}, "writes": {"count": 1}},
            "reconcile_total": {"count": 1, "worst_p99_ms": 1},
        },
        "steady": {
            "operator_cpu": {"percent_of_one_core": 1},
            "api": {"reads": {"per_min": 1}, "writes": {"per_min": 1}},
            "pd_sim": {"per_cluster_per_min": 1},
            "reconcile_total": {"per_min": 1, "worst_p99_ms": 1},
        },
        "operator": {
            "peak_rss_mb": 1,
            "metrics_scrape_ms": 1,
            "metrics": {"cpu_ms_per_scrape": 1},
        },
        "restart": {"resync_s": 1, "api": {"writes": {"count": 1}}},
        "scale": {"fleet_s": 1, "median_s": 1},
    }
    assert all(r.ours == 1.0 for r in compare.rows(result, result))


def test_figures_within_two_percent_are_the_same() -> None:
    fig = Figure("writes", "x")
    assert compare.verdict(fig, 2.96, 2.97) == "same"
    assert compare.verdict(fig, 2.5, 2.97) == "ours"
