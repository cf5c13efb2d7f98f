import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from tikv_operator.logging import configure_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers, root.level = handlers, level


def test_json_lines_carry_the_bound_reconcile_context() -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    with structlog.contextvars.bound_contextvars(
        controller="tikv", namespace="ns", name="a", reconcile_id="r1"
    ):
        structlog.get_logger().info("reconciled", tasks="ok")
    line = json.loads(out.getvalue())
    assert line["event"] == "reconciled"
    assert line["level"] == "info"
    assert {k: line[k] for k in ("controller", "namespace", "name", "reconcile_id")} == {
        "controller": "tikv",
        "namespace": "ns",
        "name": "a",
        "reconcile_id": "r1",
    }


def test_auto_format_is_json_when_not_writing_to_a_terminal() -> None:
    out = io.StringIO()
    configure_logging("auto", stream=out)
    structlog.get_logger().warning("hello")
    assert json.loads(out.getvalue())["event"] == "hello"


def test_console_format_is_not_json() -> None:
    out = io.StringIO()
    configure_logging("console", stream=out)
    structlog.get_logger().warning("hello")
    assert "hello" in out.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.getvalue())


def test_lines_below_the_level_are_dropped() -> None:
    out = io.StringIO()
    configure_logging("json", level="warning", stream=out)
    structlog.get_logger().info("quiet")
    assert out.getvalue() == ""


def _fail_holding_a_secret() -> None:
    token = "s3cr3t-token-value"  # noqa: F841 (a local a traceback must not show)
    raise RuntimeError("boom")


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_tracebacks_never_show_local_variables(fmt: str) -> None:
    out = io.StringIO()
    configure_logging(fmt, stream=out)  # type: ignore[arg-type]
    try:
        _fail_holding_a_secret()
    except RuntimeError:
        structlog.get_logger().exception("reconcile failed")
    text = out.getvalue()
    assert "boom" in text and "_fail_holding_a_secret" in text
    assert "s3cr3t-token-value" not in text
