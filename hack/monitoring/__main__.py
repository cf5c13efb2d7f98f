"""`python -m hack.monitoring` (`make dashboards`): write the generated monitoring files
under manifests/monitoring/ (dashboards, the plain rules file, the PrometheusRule)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from hack.monitoring.generated import generated_files
from hack.monitoring.rules import RUNBOOK_BASE


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hack.monitoring", description=__doc__)
    parser.add_argument(
        "--runbook-base",
        default=RUNBOOK_BASE,
        help=f"where the alerts' runbook links point (default {RUNBOOK_BASE})",
    )
    args = parser.parse_args(argv)
    for path, text in generated_files(args.runbook_base).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
