"""`python -m hack.image` (`make image`): build the operator's OCI image into build/image/
(an OCI image layout and an oci-archive, tagged with the package's version)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hack.image.build import build_image
from hack.image.commands import ImageBuildError
from hack.localcluster import REPO, cache_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hack.image", description=__doc__)
    parser.add_argument("--output", type=Path, default=REPO / "build" / "image")
    parser.add_argument(
        "--cache",
        type=Path,
        default=cache_dir(),
        help="where the base layer is kept (default $TIKV_OPERATOR_CACHE or "
        "~/.cache/tikv-operator)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        built = build_image(args.output, args.cache)
    except ImageBuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sizes = ", ".join(f"{layer.size / 2**20:.1f}" for layer in built.layers)
    print(f"tikv-operator:{built.tag} ({built.digest}), built in {time.monotonic() - started:.0f}s")
    print(f"  layers (MiB compressed, base first): {sizes}")
    print(f"  OCI layout:  {built.layout}")
    print(f"  oci-archive: {built.archive}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
