"""`make dev`: the operator's main job on an embedded local control plane."""

from __future__ import annotations

import sys


def main() -> int:
    print(
        "make dev: the local control plane is built, but the controllers that `make dev` runs "
        "are not written yet (issue: the five controllers); nothing was started.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
