"""The `tikv-operator` command: argument parsing and wiring (the composition root)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from apis import crd
from tikv_operator import __version__
from tikv_operator.cmd import check, plan
from tikv_operator.cmd import run as operator

Command = Callable[[argparse.Namespace], int]


def crds(args: argparse.Namespace) -> int:
    """Print the CRDs as one YAML stream, or write one file per CRD."""
    definitions = crd.all_crds()
    if args.output_dir is None:
        sys.stdout.write("---\n".join(crd.to_yaml(definition) for definition in definitions))
        return 0
    output_dir: Path = args.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    for definition in definitions:
        (output_dir / crd.file_name(definition)).write_text(crd.to_yaml(definition))
    return 0


def _add_crds(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("crds", help="print the CustomResourceDefinitions")
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="write one file per CRD into this directory instead of printing them",
    )
    parser.set_defaults(command=crds)


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "run",
        help="run the operator",
        description="Run the controllers until SIGTERM. Every flag can also be set by an "
        "environment variable TIKV_OPERATOR_<FLAG> (e.g. TIKV_OPERATOR_NAMESPACE=a,b).",
    )
    operator.add_run_arguments(parser)
    parser.set_defaults(command=operator.run)


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="compare PD with the cluster's objects (exit 0 consistent, 1 not, 2 unchecked)",
        description="Report what PD and the cluster's objects disagree on: members without a "
        "PD object and the reverse, stores without a TiKV object (orphans) and TiKV objects "
        "whose store vanished, leftover evict-leader schedulers, Tombstone records, and what "
        "the safety brake would engage on. Changes nothing.",
    )
    check.add_check_arguments(parser)
    parser.set_defaults(command=check.check)


def _add_plan(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "plan",
        help="print what each controller would do next for a cluster, and what blocks it",
        description="Run the controllers' own reconciles once for the Cluster, its groups and "
        "its instances, reading the API server and PD for real and recording every write "
        "instead of sending it; print each object's task results (a hold says why it waits) "
        "and the writes and events it would make. Changes nothing.",
    )
    plan.add_plan_arguments(parser)
    parser.set_defaults(command=plan.plan)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; each sets `command` to the function that runs it."""
    parser = argparse.ArgumentParser(
        prog="tikv-operator", description="Kubernetes operator for TiKV clusters."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    _add_crds(commands)
    _add_run(commands)
    _add_check(commands)
    _add_plan(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tikv-operator` console script."""
    args = build_parser().parse_args(argv)
    command: Command = args.command
    return command(args)


if __name__ == "__main__":
    sys.exit(main())
