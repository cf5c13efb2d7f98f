"""structlog setup: JSON lines for machines, coloured console lines for humans.

Context bound with `structlog.contextvars` (the controller binds controller, namespace, name
and reconcile_id around each reconcile) appears on every line logged within it.
"""

import logging
import sys
from typing import Literal, TextIO

import structlog
import structlog.tracebacks

LogFormat = Literal["auto", "json", "console"]


def configure_logging(
    log_format: LogFormat = "auto", level: str = "info", stream: TextIO | None = None
) -> None:
    """`auto` is JSON unless the output is a terminal."""
    out = stream or sys.stderr
    as_json = log_format == "json" or (log_format == "auto" and not out.isatty())
    # Tracebacks never carry local variables: they can hold tokens, certificates, config.
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if as_json:
        shared += [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),
        # Not cached, so that configuring again (tests do) takes effect everywhere.
        cache_logger_on_first_use=False,
    )
    # Libraries (aiohttp, kubernetes_asyncio) log through the standard library; render
    # their warnings with the same processors so that one stream has one format.
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
