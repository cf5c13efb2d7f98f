"""`python -m hack.docs` (`make docs`): write docs/api.md from the API models and the
task-list section of docs/architecture.md from the controllers' declarations."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from hack.docs.generated import generated_files


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m hack.docs", description=__doc__).parse_args(argv)
    for path, text in generated_files().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
